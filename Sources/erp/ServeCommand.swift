// `erp serve`: the whole server in one process.
import ArgumentParser
import ERPApp
import ERPEvents
import ERPHTTP
import ERPJobs
import ERPPlatform
import ERPStore
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals
import Users

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: HTTP API, event listener and projectors, and the job runner.",
        discussion: """
            Migrates on start unless --no-migrate. While the database is unreachable it retries \
            with backoff and /ready answers 503. The embedded job runner works every queue \
            (default, notifications); turn it off with --no-jobs when `erp worker` daemons run \
            the jobs instead. SIGTERM or SIGINT stops taking work, lets the batch in flight and \
            the running jobs finish (jobs get --drain-timeout), closes connections and exits \
            within --shutdown-timeout seconds.

            Access tokens are signed with the key in $ERP_JWT_KEY or the file --jwt-key-file \
            names (at least 32 bytes, e.g. `openssl rand -base64 48`); without one the API does \
            not start, unless --dev-insecure-key makes up a key that dies with the process. On \
            a first start with no users it says how to create the administrator, or creates \
            one from $ERP_ADMIN_EMAIL and $ERP_ADMIN_PASSWORD when both are set.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @OptionGroup(title: "Job runner") var jobOptions: JobRunnerOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(inversion: .prefixedNo, help: "Serve the HTTP API.")
    var api = true

    @Option(
        help: ArgumentHelp(
            "A file holding the key that signs access tokens (default: $ERP_JWT_KEY_FILE, or the key in $ERP_JWT_KEY).",
            valueName: "path"))
    var jwtKeyFile: String?

    @Flag(help: "Sign access tokens with a key made up at start (development only: tokens die with the process).")
    var devInsecureKey = false

    @Option(
        help: ArgumentHelp(
            "bcrypt cost of the passwords this server sets, 4…31, below 10 for tests only (default: $ERP_BCRYPT_COST, or 12).",
            valueName: "n"))
    var bcryptCost: UInt8?

    /// The cost from --bcrypt-cost or ERP_BCRYPT_COST, else the default.
    var passwordCost: UInt8 {
        bcryptCost ?? ProcessInfo.processInfo.environment["ERP_BCRYPT_COST"].flatMap { UInt8($0) }
            ?? Passwords.defaultCost
    }

    @Flag(inversion: .prefixedNo, help: "Run the event listener and projectors.")
    var projectors = true

    @Flag(inversion: .prefixedNo, help: "Run background jobs in this process.")
    var jobs = true

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations on start (otherwise wait for `erp migrate`).")
    var migrate = true

    @Option(help: ArgumentHelp("Safety poll interval for projectors, in milliseconds.", valueName: "ms"))
    var pollInterval = 1000

    @Option(
        help: ArgumentHelp(
            "Restart a projector runner whose work goes this long without progress (no batch read or committed), in seconds.",
            valueName: "seconds"
        ))
    var projectorWatchdog = 30

    @Option(help: ArgumentHelp("Longest wait for in-flight work on shutdown, in seconds.", valueName: "seconds"))
    var shutdownTimeout = 15

    @Option(
        help: ArgumentHelp("Seconds a client may take to send a request's head once it starts.", valueName: "seconds"))
    var headerTimeout = 10

    @Option(help: ArgumentHelp("Seconds a connection may stay open with no request in flight.", valueName: "seconds"))
    var idleTimeout = 60

    @Option(help: ArgumentHelp("Most HTTP connections open at once; more are closed as they open.", valueName: "n"))
    var maxConnections = 512

    @Option(
        name: .customLong("allowed-origin"),
        help: ArgumentHelp(
            "A browser origin besides the server's own that may call the API, e.g. https://shop.example (repeatable); defaults to $ERP_ALLOWED_ORIGINS, comma-separated.",
            valueName: "origin"
        )
    )
    var allowedOrigins: [String] = []

    /// The origins from --allowed-origin or ERP_ALLOWED_ORIGINS.
    var origins: Set<String> {
        let listed =
            allowedOrigins.isEmpty
            ? (ProcessInfo.processInfo.environment["ERP_ALLOWED_ORIGINS"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            : allowedOrigins
        return Set(listed.filter { !$0.isEmpty })
    }

    func validate() throws {
        guard api || projectors || jobs else {
            throw ValidationError("nothing to run: --no-api, --no-projectors and --no-jobs together")
        }
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
        guard projectorWatchdog > 0 else { throw ValidationError("--projector-watchdog must be positive") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
        guard headerTimeout > 0, idleTimeout > 0 else {
            throw ValidationError("--header-timeout and --idle-timeout must be positive")
        }
        if let bcryptCost, !(4...31).contains(bcryptCost) { throw ValidationError("--bcrypt-cost must be 4…31") }
        guard (1...100_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be 1…100000")
        }
        for origin in origins {
            guard let url = URL(string: origin), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                url.path.isEmpty
            else {
                throw ValidationError("allowed origin \"\(origin)\" is not an origin such as https://shop.example")
            }
        }
        if jobs && jobOptions.drainTimeout >= shutdownTimeout {
            throw ValidationError(
                "--drain-timeout must be shorter than --shutdown-timeout, to leave time to release leases")
        }
    }

    /// The token key from --jwt-key-file, $ERP_JWT_KEY_FILE or $ERP_JWT_KEY; a random one
    /// with --dev-insecure-key; `nil` without the API.
    func tokenKey(logger: Logger) throws -> TokenKey? {
        guard api else { return nil }
        let environment = ProcessInfo.processInfo.environment
        do {
            if let path = jwtKeyFile ?? environment["ERP_JWT_KEY_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw CommandFailure("cannot read the token key file \(path)")
                }
                return try TokenKey(secret: text)
            }
            if let secret = environment["ERP_JWT_KEY"], !secret.isEmpty { return try TokenKey(secret: secret) }
        } catch let error as TokenKeyError {
            throw CommandFailure(error.description)
        }
        guard devInsecureKey else {
            throw CommandFailure(
                "no key to sign access tokens: set ERP_JWT_KEY (e.g. `export ERP_JWT_KEY=$(openssl rand -base64 48)`) "
                    + "or --jwt-key-file, or pass --dev-insecure-key on a development machine")
        }
        logger.warning(
            """
            --dev-insecure-key: access tokens are signed with a key made up at start; they stop working when the \
            server restarts. Never use this in production: set ERP_JWT_KEY.
            """)
        return TokenKey.random()
    }

    func run() async throws {
        let database = try options.database(label: "erp.serve")
        let logger = database.logger
        let tokenKey: TokenKey? = try await reportingFailure(database) { try self.tokenKey(logger: logger) }
        let modules = try jobOptions.modules(
            authentication: AuthenticationSettings(tokenKey: tokenKey, bcryptCost: passwordCost))
        let passwords = Passwords(cost: passwordCost)
        var services: [any Service] = []

        let pipeline =
            projectors
            ? EventPipeline(
                projectors: modules.projectors(), database: database,
                configuration: .init(
                    pollInterval: .milliseconds(pollInterval), watchdogTimeout: .seconds(projectorWatchdog)),
                logger: logger
            )
            : nil
        // The pool: API requests and job handlers.
        let client = PostgresClient(
            configuration: database.configuration.clientConfiguration(), backgroundLogger: logger)
        var afterMigrations: [any Service] = pipeline.map { [$0] } ?? []
        let webhooks = jobs ? try jobOptions.webhookClient() : nil
        if let webhooks {
            afterMigrations.append(
                try jobOptions.runner(database: database, client: client, webhooks: webhooks, logger: logger)
            )
        }
        let startup = AfterMigrations(
            migrator: Migrator(logger: logger), database: database, applyMigrations: migrate,
            firstStart: { connection in
                let environment = ProcessInfo.processInfo.environment
                try await FirstAdministrator.ensure(
                    email: environment["ERP_ADMIN_EMAIL"], password: environment["ERP_ADMIN_PASSWORD"],
                    passwords: passwords, on: connection, logger: logger)
            },
            services: afterMigrations
        )

        if api {
            let readiness = Readiness(client: client, pipeline: pipeline)
            let app = APIServer.application(
                readiness: readiness,
                client: client,
                routes: Modules.routes(modules, client: client),
                configuration: .init(
                    host: host, port: port, allowedOrigins: origins,
                    limits: ConnectionLimits(
                        headerTimeout: .seconds(headerTimeout), idleTimeout: .seconds(idleTimeout),
                        maximumConnections: maxConnections
                    )
                ),
                onServerRunning: { [host] port in
                    logger.notice("ERPCore is serving", metadata: ["url": "http://\(host):\(port)"])
                },
                logger: logger
            )
            // Shutdown runs in reverse: the API stops first, then the read side and jobs, then
            // the webhook client and the pool.
            services = [client] + (webhooks.map { [$0] } ?? []) + [startup, app]
        } else {
            services = [client] + (webhooks.map { [$0] } ?? []) + [startup]
        }

        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ).withShutdownLimit(.seconds(shutdownTimeout))
        )
        try await reportingFailure(database) {
            try await group.run()
        }
    }
}

/// Brings the schema current (retrying while the database is away), then runs
/// `services` (the projectors, the job runner) until graceful shutdown.
struct AfterMigrations: Service, CustomStringConvertible {
    let migrator: Migrator
    let database: Database
    let applyMigrations: Bool
    /// Run once the schema is current (the first administrator).
    var firstStart: @Sendable (PostgresConnection) async throws -> Void = { _ in }
    let services: [any Service]

    /// What the service group's log lines call it (by default it would print every migration's SQL).
    var description: String { "AfterMigrations(\(services.count) service(s))" }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await migrator.bringCurrent(database: database, apply: applyMigrations)
            }
        } catch is CancellationError {
            return
        } catch let failure as Migrator.Failure {
            throw CommandFailure(failure.description)
        }
        try await database.withConnection(as: "erp.serve") { connection in try await firstStart(connection) }
        guard !services.isEmpty else {
            try await gracefulShutdown()
            return
        }
        // Child tasks inherit the graceful-shutdown signal of this service.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            try await group.waitForAll()
        }
    }
}

extension ServiceGroupConfiguration {
    func withShutdownLimit(_ limit: Duration) -> Self {
        var copy = self
        copy.maximumGracefulShutdownDuration = limit
        copy.maximumCancellationDuration = .seconds(2)
        return copy
    }
}
