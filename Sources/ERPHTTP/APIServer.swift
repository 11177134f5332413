// Builds the Hummingbird application that serves ERPCore's HTTP API.
public import Hummingbird
public import Logging

/// The HTTP side of `erp serve`.
public enum APIServer {
    /// Where to listen.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int

        /// Creates a listening address.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    /// The router with every route ERPCore serves.
    public static func router(readiness: Readiness) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        HealthRoutes(readiness: readiness).register(on: router)
        return router
    }

    /// The application, ready to run as a service.
    ///
    /// - Parameters:
    ///   - readiness: What `/ready` checks.
    ///   - configuration: Where to listen.
    ///   - onServerRunning: Called with the bound port once the server accepts connections.
    ///   - logger: The server's logger.
    public static func application(
        readiness: Readiness,
        configuration: Configuration,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(readiness: readiness),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ERPCore"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
