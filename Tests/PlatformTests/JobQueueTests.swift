import ERPApp
import ERPEvents
import ERPJobs
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Synchronization
import Testing

@Suite struct JobQueueTests {
    @Test func aJobEnqueuedInATransactionThatRollsBackDoesNotExist() async throws {
        try await TestDatabase.withDatabase { test in
            struct Refused: Error {}
            try await test.withConnection { connection in
                _ = try? await connection.inTransaction(logger: test.logger) { transaction in
                    _ = try await JobQueue.enqueue(NewJob(kind: "test.lost"), on: transaction, logger: test.logger)
                    throw Refused()
                }
                try await connection.inTransaction(logger: test.logger) { transaction in
                    _ = try await JobQueue.enqueue(NewJob(kind: "test.kept"), on: transaction, logger: test.logger)
                }
            }
            #expect(try await test.scalar("SELECT string_agg(kind, ',') FROM jobs", as: String.self) == "test.kept")
            try await test.withConnection { connection in
                let claimed = try await JobStore.claim(
                    queue: "default", limit: 10, worker: "w1", lease: .seconds(30), on: connection, logger: test.logger)
                #expect(claimed.map(\.kind) == ["test.kept"])
            }
        }
    }

    @Test func aDedupeKeyAllowsOnePendingOrRunningJob() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                let job = NewJob(kind: "test.scan", dedupeKey: "scan:2026-11-22")
                guard case .added(let id) = try await JobQueue.enqueue(job, on: connection, logger: test.logger) else {
                    Issue.record("the first enqueue was not added")
                    return
                }
                #expect(try await JobQueue.enqueue(job, on: connection, logger: test.logger) == .duplicate)
                // From SQL, as a trigger would: NULL for the duplicate.
                let fromSQL = try await connection.query(
                    "SELECT enqueue_job('test.scan', job_dedupe_key => 'scan:2026-11-22')", logger: test.logger)
                for try await value in fromSQL.decode(Int64?.self) { #expect(value == nil) }
                // Batch enqueue: the repeat within the batch and the existing key are left out.
                let added = try await JobQueue.enqueue(
                    [
                        NewJob(kind: "test.a", dedupeKey: "k1"), NewJob(kind: "test.b", dedupeKey: "k1"), job,
                        NewJob(kind: "test.c"),
                    ],
                    on: connection, logger: test.logger
                )
                #expect(added.count == 2)

                let claimed = try await JobStore.claim(
                    queue: "default", limit: 10, worker: "w1", lease: .seconds(30), on: connection, logger: test.logger)
                #expect(try await JobQueue.enqueue(job, on: connection, logger: test.logger) == .duplicate)
                #expect(
                    try await JobStore.complete(claimed.map(\.id), worker: "w1", on: connection, logger: test.logger)
                        == 3)
                // Finished: the key is free again.
                guard case .added(let again) = try await JobQueue.enqueue(job, on: connection, logger: test.logger)
                else {
                    Issue.record("the key stayed taken after the job finished")
                    return
                }
                #expect(again != id)
            }
        }
    }

    /// A claim's cost must not grow with the backlog: the worker's generic plan of the
    /// round trip reaches `jobs` through its indexes, never by reading the whole table.
    @Test func theClaimNeverScansTheWholeBacklog() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                """
                INSERT INTO jobs (kind) SELECT 'test.work' FROM generate_series(1, 20000);
                ANALYZE jobs;
                """
            )
            let scans = try await test.withConnection { connection in
                try await connection.inTransaction(logger: test.logger) { transaction in
                    // As worker sessions run it (see QueueWorker).
                    for setting in JobStore.workerSessionSettings {
                        try await transaction.query(PostgresQuery(unsafeSQL: setting), logger: test.logger)
                    }
                    var claimed: [ClaimedJob] = []
                    for _ in 0..<3 {
                        claimed = try await JobStore.acknowledgeAndClaim(
                            completed: claimed.map(\.id), queue: "default", limit: 100, worker: "w1",
                            lease: .seconds(30),
                            on: transaction, logger: test.logger
                        ).claimed
                        #expect(claimed.count == 100)
                    }
                    let rows = try await transaction.query(
                        "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'jobs'", logger: test.logger
                    )
                    for try await scans in rows.decode(Int.self) { return scans }
                    return -1
                }
            }
            #expect(scans == 0)
        }
    }

    /// Regression: a worker that made its first claim on an empty queue kept a generic
    /// plan that sorted the whole table, and a burst of jobs made every claim as slow as
    /// the burst was long.
    @Test func aClaimPlannedOnAnEmptyQueueStillUsesTheIndexesWhenABurstArrives() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute("ANALYZE jobs")
            let scans = try await test.withConnection { connection in
                for setting in JobStore.workerSessionSettings {
                    try await connection.query(PostgresQuery(unsafeSQL: setting), logger: test.logger)
                }
                // The first claim, on the empty queue, prepares the round trip.
                let first = try await JobStore.acknowledgeAndClaim(
                    completed: [], queue: "default", limit: 100, worker: "w1", lease: .seconds(30), on: connection,
                    logger: test.logger)
                #expect(first.claimed.isEmpty)
                try await connection.query(
                    "INSERT INTO jobs (kind) SELECT 'test.work' FROM generate_series(1, 20000)", logger: test.logger)
                return try await connection.inTransaction(logger: test.logger) { transaction in
                    var claimed: [ClaimedJob] = []
                    for _ in 0..<3 {
                        claimed = try await JobStore.acknowledgeAndClaim(
                            completed: claimed.map(\.id), queue: "default", limit: 100, worker: "w1",
                            lease: .seconds(30), on: transaction, logger: test.logger
                        ).claimed
                        #expect(claimed.count == 100)
                    }
                    let rows = try await transaction.query(
                        "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'jobs'", logger: test.logger)
                    for try await scans in rows.decode(Int.self) { return scans }
                    return -1
                }
            }
            #expect(scans == 0)
        }
    }

    @Test(arguments: [NewJob(kind: "Test Work"), NewJob(kind: "test.work", queue: "Reports")])
    func aKindOrQueueNameOutsideItsFormatIsRefused(_ job: NewJob) async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                let error = await #expect(throws: PSQLError.self) {
                    try await JobQueue.enqueue(job, on: connection, logger: test.logger)
                }
                #expect(error?.serverInfo?[.sqlState] == "23514")
            }
            #expect(try await test.scalar("SELECT count(*)::integer FROM jobs", as: Int.self) == 0)
        }
    }

    @Test func fourWorkersOnAThousandJobsRunEachOnceAndNeverTwiceAtATime() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                _ = try await JobQueue.enqueue(
                    (1...1000).map { NewJob(kind: "test.noop", payload: #"{"n": \#($0)}"#) }, on: connection,
                    logger: test.logger)
            }
            final class Tally: Sendable {
                let running = Mutex<Set<Int64>>([])
                let ran = Mutex<[Int64]>([])
            }
            let tally = Tally()
            let database = test.database
            let logger = test.logger
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 1...4 {
                    group.addTask {
                        try await database.withConnection(as: "worker") { connection in
                            while true {
                                let jobs = try await JobStore.claim(
                                    queue: "default", limit: 25, worker: "w\(worker)", lease: .seconds(30),
                                    on: connection, logger: logger
                                )
                                if jobs.isEmpty { return }
                                for job in jobs {
                                    let fresh = tally.running.withLock { $0.insert(job.id).inserted }
                                    #expect(fresh, "job \(job.id) was running twice at once")
                                }
                                try await Task.sleep(for: .milliseconds(1))
                                tally.running.withLock { set in jobs.forEach { set.remove($0.id) } }
                                tally.ran.withLock { $0 += jobs.map(\.id) }
                                #expect(
                                    try await JobStore.complete(
                                        jobs.map(\.id), worker: "w\(worker)", on: connection, logger: logger)
                                        == jobs.count)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = tally.ran.withLock { $0 }
            #expect(all.count == 1000 && Set(all).count == 1000)
            #expect(try await test.scalar("SELECT count(*) FROM jobs", as: Int.self) == 0)
            #expect(
                try await test.scalar("SELECT count(*) FROM job_history WHERE state = 'completed'", as: Int.self)
                    == 1000)
        }
    }

    @Test func retriesBackOffThenTheJobIsDeadAndAnAdminCanRetryIt() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                _ = try await JobQueue.enqueue(
                    NewJob(kind: "test.flaky", maxAttempts: 3), on: connection, logger: test.logger)
                let policy = RetryPolicy(base: .seconds(600), maximum: .seconds(3600))
                var outcomes: [FailureOutcome] = []
                for attempt in 1...3 {
                    let claimed = try await JobStore.claim(
                        queue: "default", limit: 1, worker: "w1", lease: .seconds(30), on: connection,
                        logger: test.logger)
                    let job = try #require(claimed.first)
                    #expect(job.attempt == attempt)
                    let delay = policy.delay(after: attempt)
                    let full = min(Duration.seconds(600) * (1 << (attempt - 1)), .seconds(3600))
                    #expect(delay >= full / 2 && delay <= full)
                    outcomes.append(
                        try await JobStore.fail(
                            job.id, worker: "w1", error: "boom \(attempt)", retryIn: delay, on: connection,
                            logger: test.logger))
                    if attempt < 3 {
                        // Waiting out its backoff (minutes at least): not claimable until then.
                        let wait = try await test.scalar(
                            "SELECT extract(epoch FROM run_at - now())::float8 FROM jobs", as: Double.self)
                        #expect(abs(wait - Double(delay.components.seconds)) < 60)
                        #expect(
                            try await JobStore.claim(
                                queue: "default", limit: 1, worker: "w1", lease: .seconds(30), on: connection,
                                logger: test.logger
                            ).isEmpty)
                        try await test.execute("UPDATE jobs SET run_at = now()")
                    }
                }
                #expect(outcomes == [.retrying, .retrying, .dead])
                #expect(
                    try await test.scalar("SELECT state || ':' || last_error FROM job_history", as: String.self)
                        == "dead:boom 3")
                #expect(
                    try await JobStore.fail(
                        1, worker: "w1", error: "late", retryIn: .zero, on: connection, logger: test.logger) == .notHeld
                )

                let id = try await test.scalar("SELECT id FROM job_history", as: Int64.self)
                #expect(try await JobStore.retryDead(id, on: connection, logger: test.logger))
                #expect(
                    try await test.scalar("SELECT state || ':' || attempts FROM jobs", as: String.self) == "pending:0")
                #expect(try await JobStore.cancel(id, on: connection, logger: test.logger))
                #expect(try await test.scalar("SELECT state FROM job_history", as: String.self) == "cancelled")
            }
        }
    }

    @Test func heartbeatsKeepAJobTheRescuerTakesExpiredOnesAndShutdownReleases() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                _ = try await JobQueue.enqueue(
                    [NewJob(kind: "test.a"), NewJob(kind: "test.b"), NewJob(kind: "test.c", maxAttempts: 1)],
                    on: connection, logger: test.logger
                )
                let claimed = try await JobStore.claim(
                    queue: "default", limit: 3, worker: "w1", lease: .seconds(30), on: connection, logger: test.logger)
                let (a, b, c) = (claimed[0].id, claimed[1].id, claimed[2].id)
                // The worker went quiet: b's and c's leases run out, a's is renewed.
                try await test.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
                #expect(
                    try await JobStore.extendLeases(
                        [a], worker: "w1", lease: .seconds(30), on: connection, logger: test.logger) == [a])
                #expect(try await JobStore.rescueExpired(on: connection, logger: test.logger) == 2)
                #expect(
                    try await test.scalar(
                        "SELECT string_agg(kind || ':' || state, ',' ORDER BY id) FROM jobs", as: String.self)
                        == "test.a:running,test.b:pending")
                #expect(
                    try await test.scalar("SELECT state FROM job_history WHERE id = \(c)", as: String.self) == "dead")
                // A late heartbeat for a rescued job says it is no longer held.
                #expect(
                    try await JobStore.extendLeases(
                        [a, b], worker: "w1", lease: .seconds(30), on: connection, logger: test.logger) == [a])
                // Another worker takes b; shutting down, w1 releases a, whose attempt does not count.
                #expect(
                    try await JobStore.claim(
                        queue: "default", limit: 5, worker: "w2", lease: .seconds(30), on: connection,
                        logger: test.logger
                    ).map(\.id) == [b])
                #expect(try await JobStore.release([a, b], worker: "w1", on: connection, logger: test.logger) == 1)
                #expect(
                    try await test.scalar("SELECT state || ':' || attempts FROM jobs WHERE id = \(a)", as: String.self)
                        == "pending:0")
            }
        }
    }

    @Test func aRescuedJobKeepsItsPlaceInTheQueue() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                _ = try await JobQueue.enqueue(NewJob(kind: "test.first"), on: connection, logger: test.logger)
                let first = try await JobStore.claim(
                    queue: "default", limit: 1, worker: "w1", lease: .seconds(30), on: connection, logger: test.logger)
                let before = try await test.scalar("SELECT run_at::text || ' ' || priority FROM jobs", as: String.self)
                // Enqueued while the first runs; its worker then dies.
                try await Task.sleep(for: .milliseconds(20))
                _ = try await JobQueue.enqueue(NewJob(kind: "test.later"), on: connection, logger: test.logger)
                try await test.execute(
                    "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE state = 'running'")
                #expect(try await JobStore.rescueExpired(on: connection, logger: test.logger) == 1)
                #expect(
                    try await test.scalar(
                        "SELECT run_at::text || ' ' || priority FROM jobs WHERE id = \(first[0].id)", as: String.self)
                        == before)
                let next = try await JobStore.claim(
                    queue: "default", limit: 1, worker: "w2", lease: .seconds(30), on: connection, logger: test.logger)
                #expect(next.map(\.kind) == ["test.first"])
            }
        }
    }
}
