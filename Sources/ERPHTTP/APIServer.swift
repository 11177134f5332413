// Builds the Hummingbird application that serves ERPCore's HTTP API.
public import Hummingbird
public import Logging
public import PostgresNIO

/// The HTTP side of `erp serve`.
public enum APIServer {
    /// Where to listen.
    public struct Configuration: Sendable {
        /// The server's host name or address.
        public var host: String
        /// The server's TCP port.
        public var port: Int
        /// Browser origins besides the server's own that may call the API (`ERP_ALLOWED_ORIGINS`).
        public var allowedOrigins: Set<String>
        /// Header and idle timeouts, and the most connections at once.
        public var limits: ConnectionLimits

        /// Creates a listening address.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, allowedOrigins: Set<String> = [],
            limits: ConnectionLimits = .init()
        ) {
            self.host = host
            self.port = port
            self.allowedOrigins = allowedOrigins
            self.limits = limits
        }
    }

    /// What the modules serve under `/api/v1`, and the job queues `/api/v1/jobs/stats` reports.
    public struct Routes: Sendable {
        /// Every queue the build's jobs use.
        public var jobQueues: [String]
        /// Constraints whose field their name does not tell (`vendors_check`: `stateCode`),
        /// for 422 answers that name the field.
        public var constraintFields: [String: String]
        /// What checks bearer credentials: the users module's tokens and API keys.
        public var authenticator: any RequestAuthenticator
        /// What the built-in roles hold, as the modules grant it.
        public var grants: RoleGrants
        /// Registers the modules' routes.
        public var register: @Sendable (APIRoutes) -> Void

        /// Creates the routes.
        public init(
            jobQueues: [String], constraintFields: [String: String] = [:],
            authenticator: any RequestAuthenticator = NoAuthenticator(), grants: RoleGrants = RoleGrants(),
            register: @escaping @Sendable (APIRoutes) -> Void
        ) {
            self.jobQueues = jobQueues
            self.constraintFields = constraintFields
            self.authenticator = authenticator
            self.grants = grants
            self.register = register
        }
    }

    /// The router with the health routes, the job statistics and the modules' routes.
    ///
    /// - Parameters:
    ///   - readiness: What `/ready` checks.
    ///   - client: The pool command and query handlers use.
    ///   - routes: The modules' routes.
    ///   - allowedOrigins: Browser origins besides the server's own that may call the API.
    ///   - table: Where the routes and their permissions are recorded.
    public static func router(
        readiness: Readiness, client: PostgresClient, routes: Routes, allowedOrigins: Set<String> = [],
        table: RouteTable = RouteTable()
    ) -> Router<ERPRequestContext> {
        let router = Router(context: ERPRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestIdentityMiddleware())
        router.add(middleware: ProblemMiddleware(routes: table, constraintFields: routes.constraintFields))
        router.add(middleware: RequestGuardMiddleware(allowedOrigins: allowedOrigins))
        HealthRoutes(readiness: readiness).register(on: router)
        table.add("/health", .get, doc: .reads("Alive: the process answers", JSONObject.self))
        table.add(
            "/ready", .get,
            doc: .reads(
                "Ready: database reachable, migrations current, listener connected, no projector stuck (503 otherwise)",
                JSONObject.self))
        let api = APIRoutes(
            group: router.group("api/v1"), prefix: "/api/v1", table: table, authenticator: routes.authenticator,
            grants: routes.grants)
        JobRoutes(client: client, queues: routes.jobQueues).register(on: api)
        AuditRoutes(client: client).register(on: api)
        routes.register(api)
        OpenAPIRoute(table: table).register(on: router)
        return router
    }

    /// The application, ready to run as a service.
    ///
    /// - Parameters:
    ///   - readiness: What `/ready` checks.
    ///   - client: The pool command and query handlers use.
    ///   - routes: The modules' routes.
    ///   - configuration: Where to listen.
    ///   - onServerRunning: Called with the bound port once the server accepts connections.
    ///   - logger: The server's logger.
    public static func application(
        readiness: Readiness,
        client: PostgresClient,
        routes: Routes,
        configuration: Configuration,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(
                readiness: readiness, client: client, routes: routes, allowedOrigins: configuration.allowedOrigins),
            server: configuration.limits.server(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "ERPCore"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
