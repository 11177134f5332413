// One queue's worker: claims as many jobs as it has free slots, runs them, acknowledges in batches.
import ERPStore
import Logging
import PostgresNIO
import Synchronization

/// Runs the jobs of one queue, at most ``concurrency`` at a time, on one connection.
///
/// Each wake-up (a NOTIFY, the safety poll, a finished job) first acknowledges every
/// attempt that finished since the last one (completions in one statement), then claims
/// up to the number of free slots in one statement. A burst of finished jobs therefore
/// costs two round trips, not two per job.
final class QueueWorker: Sendable {
    /// How a job's attempt ended.
    enum Outcome: Sendable {
        case completed
        case failed(String, permanent: Bool)
    }

    struct Finished: Sendable {
        var job: ClaimedJob
        var outcome: Outcome
    }

    struct State: Sendable {
        var running: [Int64: ClaimedJob] = [:]
        var finished: [Finished] = []
        /// Graceful shutdown began: claim nothing more.
        var stopping = false
        /// The drain timeout passed: release what still runs.
        var drainExpired = false
    }

    let queue: String
    let concurrency: Int
    let wakeUp = WakeUp()
    private let handlers: [String: any JobHandler]
    private let state = Mutex(State())

    init(queue: String, concurrency: Int, handlers: [String: any JobHandler]) {
        self.queue = queue
        self.concurrency = concurrency
        self.handlers = handlers
    }

    /// The ids of the jobs running now, for the heartbeat.
    var runningIDs: [Int64] { state.withLock { Array($0.running.keys) } }

    /// Stops claiming; the worker ends once the running jobs finish or the drain expires.
    func stop() {
        state.withLock { $0.stopping = true }
        wakeUp.signal()
    }

    /// Gives up on the jobs still running: their leases are released and they are cancelled.
    func expireDrain() {
        state.withLock { $0.drainExpired = true }
        wakeUp.signal()
    }

    /// Claims and runs jobs until stopped and drained, or cancelled.
    func run(database: Database, configuration: JobRunner.Configuration, logger: Logger) async {
        let logger = {
            var logger = logger
            logger[metadataKey: "queue"] = "\(queue)"
            return logger
        }()
        let kinds = handlers.keys.sorted()
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var connection: PostgresConnection?
        await withTaskGroup(of: Void.self) { attempts in
            for await _ in wakeUp.wakeUps {
                do {
                    if connection?.isClosed ?? true {
                        connection = try await database.connect(as: "erp-jobs:\(queue)")
                    }
                    guard let connection else { continue }
                    try await acknowledge(on: connection, configuration: configuration, logger: logger)
                    let (stopping, drainExpired, free) = state.withLock {
                        ($0.stopping, $0.drainExpired, concurrency - $0.running.count)
                    }
                    if stopping {
                        if free == concurrency { break }
                        if drainExpired {
                            try await release(on: connection, configuration: configuration, logger: logger)
                            attempts.cancelAll()
                            break
                        }
                        continue
                    }
                    backoff.reset()
                    guard free > 0 else { continue }
                    let claimed = try await JobStore.claim(
                        queue: queue, kinds: kinds, limit: free, worker: configuration.workerID,
                        lease: configuration.lease, on: connection, logger: logger
                    )
                    state.withLock { state in
                        for job in claimed { state.running[job.id] = job }
                    }
                    for job in claimed {
                        attempts.addTask { [self] in
                            let outcome = await perform(job, logger: logger)
                            state.withLock { $0.finished.append(Finished(job: job, outcome: outcome)) }
                            wakeUp.signal()
                        }
                    }
                } catch {
                    logger.warning(
                        "job queue connection failed; retrying",
                        metadata: ["error": "\(databaseErrorMessage(error, configuration: database.configuration))"]
                    )
                    try? await connection?.close()
                    connection = nil
                    try? await Task.sleep(for: backoff.next())
                    wakeUp.signal()
                }
            }
        }
        try? await connection?.close()
    }

    /// Writes the outcomes of finished attempts: completions in one statement, each
    /// failure as a retry after the backoff or a dead job.
    private func acknowledge(on connection: PostgresConnection, configuration: JobRunner.Configuration, logger: Logger) async throws {
        let finished = state.withLock { $0.finished }
        guard !finished.isEmpty else { return }
        var completed: [Int64] = []
        for attempt in finished {
            switch attempt.outcome {
            case .completed:
                completed.append(attempt.job.id)
            case .failed(let error, let permanent):
                let outcome = try await JobStore.fail(
                    attempt.job.id, worker: configuration.workerID, error: error,
                    retryIn: configuration.retryPolicy.delay(after: attempt.job.attempt), permanent: permanent,
                    on: connection, logger: logger
                )
                let metadata: Logger.Metadata = ["job": "\(attempt.job.id)", "kind": "\(attempt.job.kind)", "error": "\(error)"]
                switch outcome {
                case .retrying: logger.warning("job failed; will retry", metadata: metadata)
                case .dead: logger.error("job failed for the last time; it is dead", metadata: metadata)
                case .notHeld: logger.warning("job failed after its lease was lost", metadata: metadata)
                }
            }
        }
        let acknowledged = try await JobStore.complete(completed, worker: configuration.workerID, on: connection, logger: logger)
        if acknowledged < completed.count {
            logger.warning("jobs finished after their leases were lost; they may run again", metadata: ["count": "\(completed.count - acknowledged)"])
        }
        // Only now, with the outcomes stored, do they leave the running set.
        let ids = Set(finished.map(\.job.id))
        state.withLock { state in
            state.finished.removeFirst(finished.count)
            for id in ids { state.running[id] = nil }
        }
    }

    /// Drain expired: the jobs still running go back to the queue for another worker.
    private func release(on connection: PostgresConnection, configuration: JobRunner.Configuration, logger: Logger) async throws {
        let ids = runningIDs
        let released = try await JobStore.release(ids, worker: configuration.workerID, on: connection, logger: logger)
        logger.notice("drain timeout: released the jobs still running", metadata: ["released": "\(released)"])
    }

    /// One attempt, bounded by the handler's timeout.
    private func perform(_ job: ClaimedJob, logger: Logger) async -> Outcome {
        guard let handler = handlers[job.kind] else {
            return .failed("this worker has no handler for \(job.kind)", permanent: false)
        }
        let logger = {
            var logger = logger
            logger[metadataKey: "job"] = "\(job.id)"
            logger[metadataKey: "kind"] = "\(job.kind)"
            return logger
        }()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await handler.perform(job, logger: logger) }
                group.addTask {
                    try await Task.sleep(for: handler.timeout)
                    throw JobTimedOut(timeout: handler.timeout)
                }
                try await group.next()
                group.cancelAll()
            }
            return .completed
        } catch let failure as PermanentJobFailure {
            return .failed(failure.description, permanent: true)
        } catch {
            // A database error says what the server said, not PostgresNIO's generic text.
            return .failed(databaseErrorMessage(error), permanent: false)
        }
    }
}
