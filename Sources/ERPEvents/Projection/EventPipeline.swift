// The read side of one process: the listener, the safety poll and every projector runner.
public import ERPStore
public import Logging
public import ServiceLifecycle

/// Keeps a set of projectors caught up, as a swift-service-lifecycle service.
///
/// The listener wakes every runner on NOTIFY and after each reconnect; a safety poll
/// wakes them every ``Configuration/pollInterval`` in case a notification was lost.
/// On graceful shutdown each runner finishes the batch in flight and stops.
public struct EventPipeline: Service {
    /// Tuning for the pipeline.
    public struct Configuration: Sendable {
        /// How often runners wake without a notification.
        public var pollInterval: Duration
        /// Settings shared by every runner.
        public var runner: ProjectorRunner.Configuration

        /// Creates a configuration; the defaults suit production.
        public init(pollInterval: Duration = .seconds(1), runner: ProjectorRunner.Configuration = .init()) {
            self.pollInterval = pollInterval
            self.runner = runner
        }
    }

    /// The LISTEN connection, exposed for readiness checks.
    public let listener: ChannelListener
    /// One runner per projector.
    public let runners: [ProjectorRunner]
    let configuration: Configuration
    let logger: Logger

    /// Creates the pipeline; nothing connects until ``run()``.
    public init(projectors: [any Projector], database: Database, configuration: Configuration = .init(), logger: Logger) {
        self.listener = ChannelListener(channel: EventReader.channel, database: database, logger: logger)
        self.runners = projectors.map {
            ProjectorRunner(projector: $0, database: database, configuration: configuration.runner, logger: logger)
        }
        self.configuration = configuration
        self.logger = logger
        for runner in runners { listener.subscribe(runner.wakeUp) }
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        logger.info("event pipeline starting", metadata: ["projectors": "\(runners.map(\.projector.name))"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { background in
                background.addTask { await listener.run() }
                background.addTask { await poll() }
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
}
