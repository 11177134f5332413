// One queue's worker: claims as many jobs as it has free slots, runs them, acknowledges in batches.
import ERPStore
import Logging
import PostgresNIO
import Synchronization

/// Runs the jobs of one queue, at most ``concurrency`` at a time, on one connection.
///
/// A wake-up that may mean new work (a NOTIFY, the safety poll, a rescue, or a claim that
/// filled every free slot) acknowledges every attempt finished since the last round trip
/// and claims up to the free slots, in one statement. Finished attempts alone do not cost
/// a round trip: their acknowledgement rides on the next claim, or is written
/// ``JobRunner/Configuration/acknowledgementDelay`` after the first of them finished.
final class QueueWorker: Sendable {
    /// How a job's attempt ended.
    enum Outcome: Sendable {
        case completed
        /// `retryNoSooner`: the least wait before the next attempt, when the handler asked for one.
        case failed(String, permanent: Bool, retryNoSooner: Duration? = nil)
    }

    struct Finished: Sendable {
        var job: ClaimedJob
        var outcome: Outcome
    }

    /// A claimed job, from its claim until its outcome is stored.
    struct Attempt: Sendable {
        var job: ClaimedJob
        /// When the handler's timeout runs out; nil when no handler here knows the kind
        /// (the attempt fails at once).
        var deadline: ContinuousClock.Instant?
        /// The task running the attempt, until it ends.
        var task: Task<Void, Never>?
        var hasEnded = false
        /// Set when the attempt overran its timeout and was cancelled: it fails with
        /// this, whatever the handler does after.
        var timedOut: JobTimedOut?
    }

    struct State: Sendable {
        /// Claimed and not yet acknowledged (so including the finished ones), by id.
        var running: [Int64: Attempt] = [:]
        var finished: [Finished] = []
        /// When `finished` last went from empty to not.
        var finishedSince: ContinuousClock.Instant?
        /// Something may be waiting: claim on the next wake-up.
        var mayHaveWork = true
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
    private let clock = ContinuousClock()

    init(queue: String, concurrency: Int, handlers: [String: any JobHandler]) {
        self.queue = queue
        self.concurrency = concurrency
        self.handlers = handlers
    }

    /// The ids of the jobs this worker holds, for the heartbeat.
    var runningIDs: [Int64] { state.withLock { Array($0.running.keys) } }

    /// Jobs may be waiting (a NOTIFY, the poll, a rescue): claim on the next wake-up.
    func workMayBeWaiting() {
        state.withLock { $0.mayHaveWork = true }
        wakeUp.signal()
    }

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

    /// Claims and runs jobs until stopped and drained, or cancelled; returns once every
    /// attempt it started has ended.
    func run(database: Database, configuration: JobRunner.Configuration, logger: Logger) async {
        let logger = {
            var logger = logger
            logger[metadataKey: "queue"] = "\(queue)"
            return logger
        }()
        let kinds = handlers.keys.sorted()
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var connection: PostgresConnection?
        var acknowledgementTimer: ContinuousClock.Instant?
        // When the next attempt's timeout runs out, as far as the timer set for it knows.
        var timeoutTimer: ContinuousClock.Instant?
        // Discarding: a timer leaves nothing behind once it fired.
        await withDiscardingTaskGroup { timers in
            // Wakes the loop at `due`, unless it is already set to.
            func setTimer(_ timer: inout ContinuousClock.Instant?, for due: ContinuousClock.Instant) {
                guard timer.map({ due < $0 }) ?? true else { return }
                timer = due
                timers.addTask { [wakeUp, clock] in
                    try? await Task.sleep(until: due, clock: clock)
                    wakeUp.signal()
                }
            }
            for await _ in wakeUp.wakeUps {
                let now = clock.now
                if let due = acknowledgementTimer, now >= due { acknowledgementTimer = nil }
                if let due = timeoutTimer, now >= due {
                    timeoutTimer = nil
                    cancelOverdueAttempts(logger: logger)
                }
                do {
                    if connection?.isClosed ?? true {
                        let opened = try await database.connect(as: "erp-jobs:\(queue)")
                        connection = opened
                        try await opened.untilClosed { opened in
                            for setting in JobStore.workerSessionSettings {
                                try await opened.query(PostgresQuery(unsafeSQL: setting), logger: logger)
                            }
                        }
                    }
                    guard let connection else { continue }
                    // Finished jobs count as free: this round trip acknowledges them.
                    let (stopping, drainExpired, mayHaveWork, finishedSince, free) = state.withLock { state in
                        (
                            state.stopping, state.drainExpired, state.mayHaveWork, state.finishedSince,
                            concurrency - state.running.count + state.finished.count
                        )
                    }
                    if stopping {
                        _ = try await connection.untilClosed { [self] connection in
                            try await acknowledge(
                                claiming: 0, kinds: kinds, on: connection, configuration: configuration, logger: logger)
                        }
                        if state.withLock({ $0.running.isEmpty }) { break }
                        if drainExpired {
                            try await connection.untilClosed { [self] connection in
                                try await release(on: connection, configuration: configuration, logger: logger)
                            }
                            break
                        }
                    } else if mayHaveWork && free > 0 {
                        // Cleared first: a NOTIFY during the claim sets it again.
                        state.withLock { $0.mayHaveWork = false }
                        let claimed = try await connection.untilClosed { [self] connection in
                            try await acknowledge(
                                claiming: free, kinds: kinds, on: connection, configuration: configuration,
                                logger: logger)
                        }
                        if claimed.count == free { state.withLock { $0.mayHaveWork = true } }
                        if let deadline = start(claimed, logger: logger) { setTimer(&timeoutTimer, for: deadline) }
                    } else if let finishedSince {
                        let due = finishedSince + configuration.acknowledgementDelay
                        if clock.now >= due {
                            _ = try await connection.untilClosed { [self] connection in
                                try await acknowledge(
                                    claiming: 0, kinds: kinds, on: connection, configuration: configuration,
                                    logger: logger)
                            }
                        } else {
                            setTimer(&acknowledgementTimer, for: due)
                        }
                    }
                    backoff.reset()
                } catch {
                    logger.warning(
                        "job queue connection failed; retrying",
                        metadata: ["error": "\(databaseErrorMessage(error, configuration: database.configuration))"]
                    )
                    try? await connection?.close()
                    connection = nil
                    state.withLock { $0.mayHaveWork = true }
                    try? await Task.sleep(for: backoff.next())
                    wakeUp.signal()
                }
                if timeoutTimer == nil, let deadline = nextDeadline() { setTimer(&timeoutTimer, for: deadline) }
            }
            timers.cancelAll()
        }
        // Stopped by the drain timeout or by cancellation: what still runs is cancelled.
        // Either way, nothing outlives the worker.
        let stillRunning = state.withLock { state in state.running.values.compactMap(\.task) }
        for task in stillRunning {
            task.cancel()
            await task.value
        }
        try? await connection?.close()
    }

    /// Starts an attempt of each claimed job, each in a task of its own.
    ///
    /// - Returns: The earliest of their deadlines.
    private func start(_ claimed: [ClaimedJob], logger: Logger) -> ContinuousClock.Instant? {
        // Not children of the worker's task group: a child cannot be cancelled on its own
        // when it overruns its timeout, and racing each attempt against a timer in a group
        // of its own cost more than a no-op job. The worker keeps every task, cancels it on
        // a timeout or when the worker stops, and awaits it before `run` returns.
        let tasks = claimed.map { job in
            Task { [self] in
                let outcome = await ClaimedJob.$current.withValue(job) { await perform(job, logger: logger) }
                finish(job, outcome)
            }
        }
        return state.withLock { state in
            var earliest: ContinuousClock.Instant?
            for (job, task) in zip(claimed, tasks) where state.running[job.id]?.hasEnded == false {
                state.running[job.id]?.task = task
                if let deadline = state.running[job.id]?.deadline, earliest.map({ deadline < $0 }) ?? true {
                    earliest = deadline
                }
            }
            return earliest
        }
    }

    /// Records an attempt's outcome for the next acknowledgement, and wakes the loop.
    private func finish(_ job: ClaimedJob, _ outcome: Outcome) {
        state.withLock { state in
            var outcome = outcome
            if let timedOut = state.running[job.id]?.timedOut {
                outcome = .failed(timedOut.description, permanent: false)
            }
            state.running[job.id]?.hasEnded = true
            state.running[job.id]?.task = nil
            if state.finished.isEmpty { state.finishedSince = clock.now }
            state.finished.append(Finished(job: job, outcome: outcome))
        }
        wakeUp.signal()
    }

    /// Cancels the attempts that overran their handler's timeout.
    private func cancelOverdueAttempts(logger: Logger) {
        let now = clock.now
        let overdue = state.withLock { state in
            let overdue = state.running.values.filter { attempt in
                !attempt.hasEnded && attempt.timedOut == nil && attempt.deadline.map { $0 <= now } ?? false
            }
            for attempt in overdue {
                state.running[attempt.job.id]?.timedOut = JobTimedOut(
                    timeout: handlers[attempt.job.kind]?.timeout ?? .zero)
            }
            return overdue
        }
        for attempt in overdue {
            logger.warning(
                "job overran its timeout; cancelling it",
                metadata: ["job": "\(attempt.job.id)", "kind": "\(attempt.job.kind)"])
            attempt.task?.cancel()
        }
    }

    /// The earliest deadline of the attempts still running and not yet timed out.
    private func nextDeadline() -> ContinuousClock.Instant? {
        state.withLock { state in
            state.running.values.lazy.filter { !$0.hasEnded && $0.timedOut == nil }.compactMap(\.deadline).min()
        }
    }

    /// Writes the outcomes of finished attempts and claims up to `limit` more: the
    /// completions and the claim in one statement, each failure as a retry after the
    /// backoff or a dead job.
    ///
    /// - Returns: The jobs claimed, already counted as running.
    private func acknowledge(
        claiming limit: Int, kinds: [String], on connection: PostgresConnection, configuration: JobRunner.Configuration,
        logger: Logger
    ) async throws -> [ClaimedJob] {
        let finished = state.withLock { $0.finished }
        var completed: [Int64] = []
        for attempt in finished {
            switch attempt.outcome {
            case .completed:
                completed.append(attempt.job.id)
            case .failed(let error, let permanent, let floor):
                let backoff = configuration.retryPolicy.delay(after: attempt.job.attempt)
                let outcome = try await JobStore.fail(
                    attempt.job.id, worker: configuration.workerID, error: error,
                    retryIn: max(backoff, floor ?? .zero), permanent: permanent,
                    on: connection, logger: logger
                )
                let metadata: Logger.Metadata = [
                    "job": "\(attempt.job.id)", "kind": "\(attempt.job.kind)", "error": "\(error)",
                ]
                switch outcome {
                case .retrying: logger.warning("job failed; will retry", metadata: metadata)
                case .dead: logger.error("job failed for the last time; it is dead", metadata: metadata)
                case .notHeld: logger.warning("job failed after its lease was lost", metadata: metadata)
                }
            }
        }
        var claimed: [ClaimedJob] = []
        // Failures alone are stored by now: no round trip is left to make for them.
        if !completed.isEmpty || limit > 0 {
            let acknowledged: Int
            (acknowledged, claimed) = try await JobStore.acknowledgeAndClaim(
                completed: completed, queue: queue, kinds: kinds, limit: limit, worker: configuration.workerID,
                lease: configuration.lease, on: connection, logger: logger
            )
            if acknowledged < completed.count {
                logger.warning(
                    "jobs finished after their leases were lost; they may run again",
                    metadata: ["count": "\(completed.count - acknowledged)"])
            }
        }
        // Only now, with the outcomes stored, do they leave the running set.
        let now = clock.now
        state.withLock { state in
            state.finished.removeFirst(finished.count)
            if state.finished.isEmpty { state.finishedSince = nil }
            for attempt in finished { state.running[attempt.job.id] = nil }
            for job in claimed {
                state.running[job.id] = Attempt(job: job, deadline: handlers[job.kind].map { now + $0.timeout })
            }
        }
        return claimed
    }

    /// Drain expired: the jobs still running go back to the queue for another worker.
    private func release(on connection: PostgresConnection, configuration: JobRunner.Configuration, logger: Logger)
        async throws
    {
        let ids = runningIDs
        let released = try await JobStore.release(ids, worker: configuration.workerID, on: connection, logger: logger)
        logger.notice("drain timeout: released the jobs still running", metadata: ["released": "\(released)"])
    }

    /// One attempt; the worker cancels it if it overruns the handler's timeout.
    private func perform(_ job: ClaimedJob, logger: Logger) async -> Outcome {
        guard let handler = handlers[job.kind] else {
            return .failed("this worker has no handler for \(job.kind)", permanent: false)
        }
        do {
            try await handler.perform(job, logger: logger)
            return .completed
        } catch let failure as PermanentJobFailure {
            return .failed(failure.description, permanent: true)
        } catch let failure as RetryNoSooner {
            return .failed(failure.description, permanent: false, retryNoSooner: failure.delay)
        } catch {
            // A database error says what the server said, not PostgresNIO's generic text.
            return .failed(databaseErrorMessage(error), permanent: false)
        }
    }
}
