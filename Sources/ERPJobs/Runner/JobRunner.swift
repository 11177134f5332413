// The job runner of one process: a worker per queue, the wake-ups, the heartbeat, the rescuer, the schedules.
public import ERPStore
import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// Runs background jobs as a swift-service-lifecycle service.
///
/// - Each queue has its own worker, connection and concurrency limit; a worker's round
///   trip acknowledges finished jobs and claims new ones in one statement.
/// - A LISTEN on `erp_jobs` wakes the workers when jobs are enqueued; a safety poll
///   wakes them every ``Configuration/pollInterval`` for jobs whose time came (retries,
///   delayed jobs) and for notifications lost while reconnecting.
/// - The heartbeat extends the leases of running jobs every third of the lease. The
///   rescuer, on the same beat, returns jobs whose lease expired (their worker died) to
///   the queue. The scheduler enqueues each due schedule tick once across all daemons.
/// - On graceful shutdown the workers stop claiming and the running jobs get
///   ``Configuration/drainTimeout`` to finish; the leases of those still running are
///   then released, so another worker takes them at once.
public struct JobRunner: Service {
    /// Tuning for the runner.
    public struct Configuration: Sendable {
        /// Queue name → how many of its jobs run at once in this process.
        public var queues: [String: Int]
        /// How long a claimed job stays this worker's without a heartbeat.
        public var lease: Duration
        /// How often workers look for due jobs without a notification.
        public var pollInterval: Duration
        /// How long running jobs may take to finish after shutdown begins.
        public var drainTimeout: Duration
        /// How long a finished job's acknowledgement may wait to ride along with the next
        /// claim before it is written on its own.
        public var acknowledgementDelay: Duration
        /// The wait between attempts of a failing job.
        public var retryPolicy: RetryPolicy
        /// Periodic jobs this process helps enqueue.
        public var schedules: [JobSchedule]
        /// Unique per process start: the lease holder's name in `jobs.worker_id`.
        public var workerID: String

        /// Creates a configuration; the defaults suit production.
        public init(
            queues: [String: Int] = ["default": 10],
            lease: Duration = .seconds(30),
            pollInterval: Duration = .seconds(1),
            drainTimeout: Duration = .seconds(10),
            acknowledgementDelay: Duration = .milliseconds(25),
            retryPolicy: RetryPolicy = .init(),
            schedules: [JobSchedule] = [],
            workerID: String = JobRunner.newWorkerID()
        ) {
            self.queues = queues
            self.lease = lease
            self.pollInterval = pollInterval
            self.drainTimeout = drainTimeout
            self.acknowledgementDelay = acknowledgementDelay
            self.retryPolicy = retryPolicy
            self.schedules = schedules
            self.workerID = workerID
        }
    }

    /// The channel the `jobs` insert trigger notifies.
    public static let channel = "erp_jobs"

    /// The LISTEN connection, exposed for readiness checks.
    public let listener: ChannelListener
    let configuration: Configuration
    let database: Database
    let workers: [QueueWorker]
    let logger: Logger

    /// Creates a runner for `handlers`; nothing connects until ``run()``.
    public init(handlers: [any JobHandler], database: Database, configuration: Configuration = .init(), logger: Logger)
    {
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.workerID)"
        let byKind = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.listener = ChannelListener(channel: Self.channel, database: database, logger: logger)
        self.workers = configuration.queues.sorted { $0.key < $1.key }.map {
            QueueWorker(queue: $0.key, concurrency: $0.value, handlers: byKind)
        }
        self.configuration = configuration
        self.database = database
        self.logger = logger
        for worker in workers { listener.subscribe { worker.workMayBeWaiting() } }
    }

    /// A fresh worker id: host, process id and a random suffix, so a restarted process
    /// never mistakes its predecessor's leases for its own.
    public static func newWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }

    /// Runs until graceful shutdown (then drains) or cancellation.
    public func run() async throws {
        logger.info(
            "job runner starting",
            metadata: ["queues": "\(configuration.queues)", "schedules": "\(configuration.schedules.map(\.name))"]
        )
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await listener.run() }
            background.addTask { await poll() }
            background.addTask { await maintain() }
            background.addTask { await drainOnShutdown() }
            await withTaskGroup(of: Void.self) { queues in
                for worker in workers {
                    queues.addTask {
                        await worker.run(database: database, configuration: configuration, logger: logger)
                    }
                }
            }
            background.cancelAll()
        }
        logger.info("job runner stopped")
    }

    /// Waits for graceful shutdown, stops the workers claiming, and gives them the drain
    /// timeout before their running jobs are released.
    private func drainOnShutdown() async {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        logger.info("job runner draining", metadata: ["timeout": "\(configuration.drainTimeout)"])
        for worker in workers { worker.stop() }
        try? await Task.sleep(for: configuration.drainTimeout)
        guard !Task.isCancelled else { return }
        for worker in workers { worker.expireDrain() }
    }

    private func poll() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            listener.wakeAll()
        }
    }

    /// Heartbeat, rescuer and scheduler, every third of the lease, on their own connection
    /// so that a slow claim never delays a heartbeat. A lost connection is replaced at
    /// once (with backoff while the database stays away), not at the next beat: leases
    /// run out while no heartbeat is sent.
    private func maintain() async {
        let scheduler = JobScheduler(schedules: configuration.schedules, logger: logger)
        let beat = configuration.lease / 3
        var backoff = Backoff(initial: .milliseconds(50), maximum: min(beat, .seconds(5)))
        var connection: PostgresConnection?
        while !Task.isCancelled {
            do {
                if connection?.isClosed ?? true {
                    connection = try await database.connect(as: "erp-jobs:maintenance")
                }
                guard let connection else { continue }
                try await connection.untilClosed { [self] connection in
                    // One statement for every queue's running jobs.
                    let running = workers.flatMap(\.runningIDs)
                    let held = try await JobStore.extendLeases(
                        running, worker: configuration.workerID, lease: configuration.lease, on: connection,
                        logger: logger
                    )
                    // Acknowledged meanwhile is not lost: only those the workers still hold.
                    let lost = Set(running).subtracting(held).intersection(workers.flatMap(\.runningIDs))
                    if !lost.isEmpty {
                        logger.warning(
                            "jobs were rescued from this worker (lease expired); they may run twice",
                            metadata: ["jobs": "\(lost.sorted())"]
                        )
                    }
                    if try await JobStore.rescueExpired(on: connection, logger: logger) > 0 {
                        listener.wakeAll()
                    }
                    // An enqueue notifies the workers itself.
                    try await scheduler.enqueueDue(at: Date(), on: connection)
                }
                backoff.reset()
                // Until the next beat, or less: a connection that closes meanwhile is
                // replaced now, not when the beat comes round.
                _ = try? await connection.untilClosed { _ in try await Task.sleep(for: min(beat, .seconds(10))) }
                continue
            } catch {
                try? await connection?.close()
                connection = nil
                let delay = backoff.next()
                logger.warning(
                    "job maintenance failed; reconnecting",
                    metadata: [
                        "error": "\(databaseErrorMessage(error, configuration: database.configuration))",
                        "retryIn": "\(delay)",
                    ]
                )
                try? await Task.sleep(for: delay)
            }
        }
        try? await connection?.close()
    }
}
