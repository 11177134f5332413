// The job runner: how fast it drains a backlog, and how soon an idle runner starts a new job.
import ERPJobs
import ERPStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Runs a production ``JobRunner`` with a handler that does nothing, so what is measured
/// is the queue: claims, acknowledgements, wake-ups.
struct JobBenchmark {
    struct Latency {
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
    }

    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var description: String { "timed out waiting for \(waitingFor)" }
    }

    /// Does nothing, and tells `started` each job's number (its payload) when it starts.
    struct NoOp: JobHandler {
        let kind = "bench.noop"
        let timeout = Duration.seconds(30)
        let started: @Sendable (String) -> Void

        func perform(_ job: ClaimedJob, logger: Logger) async throws {
            started(job.payload)
        }
    }

    let database: Database
    let concurrency: Int
    let logger: Logger

    /// Enqueues `count` jobs, then times `runners` runners side by side (as that many
    /// worker daemons would) from their start until the queue is empty.
    ///
    /// - Returns: Jobs per second.
    func drain(_ count: Int, runners: Int) async throws -> Double {
        try await database.withConnection(as: "erp-bench") { connection in
            try await connection.query(
                "INSERT INTO jobs (kind, queue) SELECT 'bench.noop', 'bench' FROM generate_series(1, \(count))",
                logger: logger
            )
            try await connection.query("VACUUM ANALYZE jobs", logger: logger)
        }
        let (drainers, started) = noOpRunners(runners)
        let clock = ContinuousClock()
        let start = clock.now
        return try await withRunners(drainers) {
            try await database.withConnection(as: "erp-bench") { connection in
                try await waitUntilDrained(count, started: started, until: clock.now + .seconds(120), on: connection)
            }
            return Double(count) / (clock.now - start).inSeconds
        }
    }

    /// Counts the jobs the no-op handlers started.
    private final class Started: Sendable {
        let count = Atomic<Int>(0)
    }

    /// `runners` production runners of the bench queue with the no-op handler.
    private func noOpRunners(_ runners: Int) -> ([JobRunner], Started) {
        let started = Started()
        let drainers = (0..<runners).map { _ in
            JobRunner(
                handlers: [NoOp(started: { _ in started.count.add(1, ordering: .relaxed) })], database: database,
                configuration: .init(queues: ["bench": concurrency]), logger: logger
            )
        }
        return (drainers, started)
    }

    /// Waits until `count` jobs started and none of the bench queue is left, or throws at `deadline`.
    private func waitUntilDrained(
        _ count: Int, started: Started, until deadline: ContinuousClock.Instant, on connection: PostgresConnection
    ) async throws {
        // Asking the server only once every job started keeps the benchmark's own
        // queries out of the measurement.
        while started.count.load(ordering: .relaxed) < count {
            guard ContinuousClock.now < deadline else { throw Timeout(waitingFor: "\(count) jobs to start") }
            try await Task.sleep(for: .milliseconds(5))
        }
        while try await connection.value(
            "SELECT EXISTS (SELECT FROM jobs WHERE queue = 'bench')", as: Bool.self, logger: logger) == true
        {
            guard ContinuousClock.now < deadline else { throw Timeout(waitingFor: "\(count) jobs to be acknowledged") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The peers' drain (`make bench-peers`): `runners` runners start on an empty queue;
    /// once each is listening (and half a second more, as PgQueuer's consumers get), the
    /// clock starts, `count` jobs are enqueued in one statement, and it stops when every
    /// one is acknowledged. The history is emptied and the tables vacuumed first.
    ///
    /// - Returns: Jobs per second.
    func drainOnceConnected(_ count: Int, runners: Int) async throws -> Double {
        // As the peer's database is new in every run: no history, no dead rows of the
        // runs before.
        try await database.withConnection(as: "erp-bench") { connection in
            try await connection.query("TRUNCATE job_history", logger: logger)
            try await connection.query("VACUUM ANALYZE jobs, job_history", logger: logger)
        }
        let (drainers, started) = noOpRunners(runners)
        let clock = ContinuousClock()
        return try await withRunners(drainers) {
            let connected = clock.now + .seconds(30)
            while !drainers.allSatisfy(\.listener.isConnected) {
                guard clock.now < connected else { throw Timeout(waitingFor: "the runners to connect") }
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(500))
            return try await database.withConnection(as: "erp-bench") { connection in
                let start = clock.now
                try await connection.query(
                    "INSERT INTO jobs (kind, queue) SELECT 'bench.noop', 'bench' FROM generate_series(1, \(count))",
                    logger: logger
                )
                try await waitUntilDrained(count, started: started, until: clock.now + .seconds(300), on: connection)
                return Double(count) / (clock.now - start).inSeconds
            }
        }
    }

    /// Enqueues `count` jobs one at a time into an idle runner, each after the previous one
    /// started, and times each from its enqueue's COMMIT acknowledgement to its handler
    /// starting — or, with `fromBeforeEnqueue` (the peers' clock), from before the enqueue call.
    func idleLatency(_ count: Int, fromBeforeEnqueue: Bool = false) async throws -> Latency {
        let clock = ContinuousClock()
        let (starts, continuation) = AsyncStream.makeStream(of: (String, ContinuousClock.Instant).self)
        let runner = JobRunner(
            handlers: [NoOp(started: { continuation.yield(($0, clock.now)) })], database: database,
            configuration: .init(queues: ["bench": concurrency]), logger: logger
        )
        // A queue at rest: the dead rows of the drain vacuumed, as autovacuum does, and its
        // writes flushed, so that the server is not still busy with a drain's aftermath.
        try await database.withConnection(as: "erp-bench") { connection in
            try await connection.query("VACUUM ANALYZE jobs, job_history", logger: logger)
            do {
                try await connection.query("CHECKPOINT", logger: logger)
            } catch {
                logger.warning(
                    "CHECKPOINT refused (it needs superuser or pg_checkpoint); the drain's writes may still be flushing during the idle-latency run",
                    metadata: ["error": "\(databaseErrorMessage(error))"]
                )
            }
        }
        return try await withRunners([runner]) {
            // Let the runner connect and LISTEN before the first job.
            try await Task.sleep(for: .milliseconds(500))
            var latencies = try await database.withConnection(as: "erp-bench") { connection in
                var latencies: [Double] = []
                var started = starts.makeAsyncIterator()
                for number in 0..<count {
                    let payload = #"{"n":\#(number)}"#
                    let before = clock.now
                    _ = try await JobQueue.enqueue(
                        NewJob(kind: "bench.noop", payload: payload, queue: "bench"), on: connection, logger: logger)
                    let committed = fromBeforeEnqueue ? before : clock.now
                    guard let (_, at) = await started.next() else { throw Timeout(waitingFor: "job \(number)") }
                    latencies.append(max(0, (at - committed).inSeconds * 1000))
                    // Idle between jobs, as a quiet shop's queue is.
                    try await Task.sleep(for: .milliseconds(2))
                }
                return latencies
            }
            latencies.sort()
            return Latency(
                p50Milliseconds: percentile(latencies, 0.50), p99Milliseconds: percentile(latencies, 0.99),
                maxMilliseconds: latencies.last ?? 0
            )
        }
    }

    private func withRunners<Result: Sendable>(_ runners: [JobRunner], _ body: () async throws -> Result) async throws
        -> Result
    {
        let group = ServiceGroup(services: runners, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { running in
            running.addTask { try await group.run() }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await running.waitForAll()
                return result
            } catch {
                running.cancelAll()
                throw error
            }
        }
    }
}
