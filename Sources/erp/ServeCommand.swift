// `erp serve`: the whole server in one process.
import ArgumentParser
import ERPEvents
import ERPHTTP
import ERPProjections
import ERPStore
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: HTTP API, event listener and projectors.",
        discussion: """
            Migrates on start unless --no-migrate. While the database is unreachable it retries \
            with backoff and /ready answers 503. SIGTERM or SIGINT stops taking work, lets the \
            batch in flight finish, closes connections and exits within --shutdown-timeout seconds.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(inversion: .prefixedNo, help: "Serve the HTTP API.")
    var api = true

    @Flag(inversion: .prefixedNo, help: "Run the event listener and projectors.")
    var projectors = true

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations on start (otherwise wait for `erp migrate`).")
    var migrate = true

    @Option(help: ArgumentHelp("Safety poll interval for projectors, in milliseconds.", valueName: "ms"))
    var pollInterval = 1000

    @Option(help: ArgumentHelp("Longest wait for in-flight work on shutdown, in seconds.", valueName: "seconds"))
    var shutdownTimeout = 10

    func validate() throws {
        guard api || projectors else { throw ValidationError("nothing to run: --no-api and --no-projectors together") }
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
    }

    func run() async throws {
        let database = try options.database(label: "erp.serve")
        let logger = database.logger
        var services: [any Service] = []

        let pipeline = projectors
            ? EventPipeline(
                projectors: Projectors.all(), database: database,
                configuration: .init(pollInterval: .milliseconds(pollInterval)), logger: logger
            )
            : nil
        let startup = ReadSide(
            migrator: Migrator(logger: logger), database: database, applyMigrations: migrate, pipeline: pipeline
        )

        if api {
            let client = PostgresClient(configuration: database.configuration.clientConfiguration(), backgroundLogger: logger)
            let readiness = Readiness(client: client, listener: pipeline?.listener)
            let app = APIServer.application(
                readiness: readiness,
                client: client,
                configuration: .init(host: host, port: port),
                onServerRunning: { [host] port in
                    logger.notice("ERPCore is serving", metadata: ["url": "http://\(host):\(port)"])
                },
                logger: logger
            )
            // Shutdown runs in reverse: the API stops first, then the read side, then the pool.
            services = [client, startup, app]
        } else {
            services = [startup]
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

/// Brings the schema current (retrying while the database is away), then runs the projectors.
struct ReadSide: Service {
    let migrator: Migrator
    let database: Database
    let applyMigrations: Bool
    let pipeline: EventPipeline?

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
        if let pipeline {
            try await pipeline.run()
        } else {
            try await gracefulShutdown()
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
