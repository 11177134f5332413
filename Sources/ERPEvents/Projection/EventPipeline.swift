// The read side of one process: the listener, the safety poll, every projector runner and their watchdog.
public import ERPStore
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// Keeps a set of projectors caught up, as a swift-service-lifecycle service.
///
/// The listener wakes every runner on NOTIFY and after each reconnect; a safety poll
/// wakes them every ``Configuration/pollInterval`` in case a notification was lost.
/// A watchdog restarts a runner whose step goes ``Configuration/watchdogTimeout``
/// without progress. On graceful shutdown each runner finishes the batch in flight and stops.
public struct EventPipeline: Service {
    /// Tuning for the pipeline.
    public struct Configuration: Sendable {
        /// How often runners wake without a notification.
        public var pollInterval: Duration
        /// How long a runner's step may go without progress (no batch read or committed,
        /// no connection or lock obtained) before the watchdog restarts the runner.
        public var watchdogTimeout: Duration
        /// Settings shared by every runner.
        public var runner: ProjectorRunner.Configuration
        /// Whether the runners share one log read per wake-up (``SharedLogRead``); off,
        /// each reads the log itself, which only a benchmark comparing the two wants.
        public var sharesLogReads: Bool

        /// Creates a configuration; the defaults suit production. The runners look again
        /// at held-back events at most `pollInterval` apart.
        public init(
            pollInterval: Duration = .seconds(1), watchdogTimeout: Duration = .seconds(30),
            runner: ProjectorRunner.Configuration = .init(), sharesLogReads: Bool = true
        ) {
            self.pollInterval = pollInterval
            self.watchdogTimeout = watchdogTimeout
            self.sharesLogReads = sharesLogReads
            var runner = runner
            runner.heldBackMaximumDelay = min(runner.heldBackMaximumDelay, pollInterval)
            self.runner = runner
        }
    }

    /// The LISTEN connection, exposed for readiness checks.
    public let listener: ChannelListener
    /// One runner per projector.
    public let runners: [ProjectorRunner]
    /// The one read of the log the runners share.
    let shared: SharedLogRead
    let database: Database
    let configuration: Configuration
    let logger: Logger

    /// Creates the pipeline; nothing connects until ``run()``.
    public init(projectors: [any Projector], database: Database, configuration: Configuration = .init(), logger: Logger)
    {
        self.listener = ChannelListener(channel: EventReader.channel, database: database, logger: logger)
        let shared = SharedLogRead(
            columns: projectors.map { SharedLogRead.Column(types: $0.eventTypes, payloadSQL: $0.payloadSQL) },
            logger: logger)
        self.shared = shared
        self.runners = projectors.enumerated().map {
            ProjectorRunner(
                projector: $0.element, database: database, configuration: configuration.runner,
                shared: configuration.sharesLogReads ? (shared, $0.offset) : nil, logger: logger)
        }
        self.database = database
        self.configuration = configuration
        self.logger = logger
        // A new generation first, so every runner this wakes takes only batches read after it.
        listener.subscribe { shared.advance() }
        for runner in runners { listener.subscribe(runner.wakeUp) }
    }

    /// How many log queries the runners have shared so far (a runner isolating a failing
    /// event reads on its own): a wake-up costs one, however many projectors it wakes.
    public var sharedLogQueries: Int { shared.queriesRun }

    /// The runners whose step has gone longer than the watchdog timeout without progress.
    public var stuckRunners: [ProjectorRunner] {
        runners.filter { ($0.timeWithoutProgress ?? .zero) >= configuration.watchdogTimeout }
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        logger.info("event pipeline starting", metadata: ["projectors": "\(runners.map(\.projector.name))"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await listener.run() }
                background.addTask { await poll() }
                background.addTask { await watch() }
                await withTaskGroup(of: Void.self) { workers in
                    for runner in runners {
                        workers.addTask { await runner.run() }
                    }
                }
                background.cancelAll()
            }
        } onGracefulShutdown: {
            for runner in runners { runner.wakeUp.finish() }
        }
        logger.info("event pipeline stopped")
    }

    private func poll() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            listener.wakeAll()
        }
    }

    /// Restarts every runner that went the watchdog timeout without progress, and
    /// records it where `erp projections status` reads it.
    private func watch() async {
        let interval = min(.seconds(1), configuration.watchdogTimeout / 4)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            for runner in stuckRunners {
                let stuckFor = runner.timeWithoutProgress ?? configuration.watchdogTimeout
                let reason = "no progress for \(Int(stuckFor.inSeconds)) s"
                let (restarts, backendPID) = runner.restart()
                logger.error(
                    "projector made no progress; the watchdog restarts it",
                    metadata: [
                        "projector": "\(runner.projector.name)", "reason": "\(reason)", "restarts": "\(restarts)",
                    ]
                )
                await record(restartOf: runner.projector.name, reason: reason, endingBackend: backendPID)
            }
        }
    }

    /// Counts the restart in the projector's checkpoint row and ends the server process
    /// of the abandoned connection, which holds the projector's lock until it notices
    /// the close (a blocked query, a network that went silent).
    private func record(restartOf projector: String, reason: String, endingBackend backendPID: Int32?) async {
        do {
            try await database.withConnection(as: "erp-projector-watchdog") { connection in
                try await connection.untilClosed { [logger] connection in
                    if let backendPID {
                        try await connection.query("SELECT pg_terminate_backend(\(backendPID))", logger: logger)
                    }
                    try await connection.inTransaction(logger: logger) { transaction in
                        try await transaction.query("SET LOCAL lock_timeout = '2s'", logger: logger)
                        try await transaction.query(
                            """
                            UPDATE projector_checkpoints
                               SET restarts = restarts + 1, last_restart_at = now(), last_restart_reason = \(reason)
                             WHERE name = \(projector)
                            """,
                            logger: logger
                        )
                    }
                }
            }
        } catch {
            logger.warning(
                "could not record the watchdog's restart",
                metadata: [
                    "projector": "\(projector)",
                    "error": "\(databaseErrorMessage(error, configuration: database.configuration))",
                ]
            )
        }
    }
}
