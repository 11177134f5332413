// Builds the Hummingbird application that serves ERPCore's HTTP API.
public import Hummingbird
public import Logging
public import PostgresNIO

/// The HTTP side of `erp serve`.
public enum APIServer {
    /// Where to listen.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Browser origins besides the server's own that may call the API (`ERP_ALLOWED_ORIGINS`).
        public var allowedOrigins: Set<String>
        /// Header and idle timeouts, and the most connections at once.
        public var limits: ConnectionLimits

        /// Creates a listening address.
        public init(host: String = "127.0.0.1", port: Int = 8080, allowedOrigins: Set<String> = [], limits: ConnectionLimits = .init()) {
            self.host = host
            self.port = port
            self.allowedOrigins = allowedOrigins
            self.limits = limits
        }
    }

    /// The router with every route ERPCore serves.
    ///
    /// - Parameters:
    ///   - readiness: What `/ready` checks.
    ///   - client: The pool command and query handlers use.
    ///   - allowedOrigins: Browser origins besides the server's own that may call the API.
    public static func router(readiness: Readiness, client: PostgresClient, allowedOrigins: Set<String> = []) -> Router<ERPRequestContext> {
        let router = Router(context: ERPRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable()
        router.add(middleware: RequestIdentityMiddleware())
        router.add(middleware: ProblemMiddleware(routes: table))
        router.add(middleware: RequestGuardMiddleware(allowedOrigins: allowedOrigins))
        HealthRoutes(readiness: readiness).register(on: router)
        table.add("/health", .get)
        table.add("/ready", .get)
        let api = APIRoutes(group: router.group("api/v1"), prefix: "/api/v1", table: table)
        MasterDataRoutes(client: client).register(on: api)
        DocumentRoutes(client: client).register(on: api)
        StockLevelRoutes(client: client).register(on: api)
        JobRoutes(client: client).register(on: api)
        return router
    }

    /// The application, ready to run as a service.
    ///
    /// - Parameters:
    ///   - readiness: What `/ready` checks.
    ///   - client: The pool command and query handlers use.
    ///   - configuration: Where to listen.
    ///   - onServerRunning: Called with the bound port once the server accepts connections.
    ///   - logger: The server's logger.
    public static func application(
        readiness: Readiness,
        client: PostgresClient,
        configuration: Configuration,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(readiness: readiness, client: client, allowedOrigins: configuration.allowedOrigins),
            server: configuration.limits.server(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ERPCore"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
