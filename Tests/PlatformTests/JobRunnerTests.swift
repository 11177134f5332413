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

@Suite struct JobRunnerTests {
    /// Counts attempts per job and how many attempts of one job ever overlapped.
    final class Attempts: Sendable {
        private let state = Mutex<(running: Set<Int64>, runs: [Int64: Int], overlaps: Int)>(([], [:], 0))

        func run(_ job: ClaimedJob, for duration: Duration = .zero) async throws {
            state.withLock { state in
                if !state.running.insert(job.id).inserted { state.overlaps += 1 }
                state.runs[job.id, default: 0] += 1
            }
            defer { state.withLock { _ = $0.running.remove(job.id) } }
            if duration > .zero { try await Task.sleep(for: duration) } else { await Task.yield() }
        }

        var runs: [Int64: Int] { state.withLock { $0.runs } }
        var overlaps: Int { state.withLock { $0.overlaps } }
        var runningCount: Int { state.withLock { $0.running.count } }
    }

    @Test func fourRunnersOnAThousandJobsRunEachOnceAndNeverTwiceAtATime() async throws {
        try await TestDatabase.withDatabase { test in
            let attempts = Attempts()
            let handler = TestHandler(kind: "test.work") { try await attempts.run($0) }
            let configurations = (1...4).map { _ in
                JobRunner.Configuration(queues: ["default": 8], pollInterval: .milliseconds(200))
            }
            try await test.withRunners(configurations, handlers: [handler]) {
                try await test.withConnection { connection in
                    // In ten transactions of 100, while the runners are already listening.
                    for _ in 0..<10 {
                        try await connection.inTransaction(logger: test.logger) { transaction in
                            _ = try await JobQueue.enqueue(
                                Array(repeating: NewJob(kind: "test.work"), count: 100), on: transaction,
                                logger: test.logger
                            )
                        }
                    }
                }
                try await eventually("1,000 jobs completed") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self) == 1000
                }
            }
            #expect(attempts.runs.count == 1000)
            #expect(attempts.runs.values.allSatisfy { $0 == 1 })
            #expect(attempts.overlaps == 0)
            #expect(try await test.scalar("SELECT count(*)::integer FROM jobs", as: Int.self) == 0)
            #expect(try await test.scalar("SELECT max(attempts) FROM job_history", as: Int.self) == 1)
        }
    }

    @Test func aJobThatOverrunsItsKindsTimeoutIsCancelledAndRetriedThenDead() async throws {
        try await TestDatabase.withDatabase { test in
            let cancelled = Atomic<Int>(0)
            let slow = TestHandler(kind: "test.slow", timeout: .milliseconds(100)) { _ in
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.add(1, ordering: .relaxed)
                    throw error
                }
            }
            let configuration = JobRunner.Configuration(
                pollInterval: .milliseconds(50),
                retryPolicy: RetryPolicy(base: .milliseconds(10), maximum: .milliseconds(10))
            )
            try await test.withRunners([configuration], handlers: [slow]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        NewJob(kind: "test.slow", maxAttempts: 2), on: connection, logger: test.logger)
                }
                try await eventually("the job is dead") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'dead'", as: Int.self) == 1
                }
            }
            #expect(cancelled.load(ordering: .relaxed) == 2)
            #expect(
                try await test.scalar("SELECT last_error || ' after ' || attempts FROM job_history", as: String.self)
                    == "timed out after 0.1 seconds after 2")
        }
    }

    @Test func anAttemptThatOverrunsItsTimeoutFailsEvenIfItThenReturnsNormally() async throws {
        try await TestDatabase.withDatabase { test in
            let finishedAfterCancel = Atomic<Int>(0)
            // Ignores its cancellation and returns as if it had done the work.
            let stubborn = TestHandler(kind: "test.stubborn", timeout: .milliseconds(100)) { _ in
                try? await Task.sleep(for: .seconds(60))
                if Task.isCancelled { finishedAfterCancel.add(1, ordering: .relaxed) }
            }
            let quick = TestHandler(kind: "test.quick", timeout: .seconds(30)) { _ in }
            try await test.withRunners(
                [JobRunner.Configuration(pollInterval: .milliseconds(50))], handlers: [stubborn, quick]
            ) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        [NewJob(kind: "test.stubborn", maxAttempts: 1), NewJob(kind: "test.quick")], on: connection,
                        logger: test.logger
                    )
                }
                try await eventually("both jobs finished") {
                    try await test.scalar("SELECT count(*)::integer FROM job_history", as: Int.self) == 2
                }
            }
            #expect(finishedAfterCancel.load(ordering: .relaxed) == 1)
            #expect(
                try await test.scalar(
                    "SELECT string_agg(kind || ' ' || state || ' ' || COALESCE(last_error, 'none'), ', ' ORDER BY kind) FROM job_history",
                    as: String.self)
                    == "test.quick completed none, test.stubborn dead timed out after 0.1 seconds"
            )
        }
    }

    @Test func aFailureWithNothingElseToWriteLeavesTheWorkerAndShutdownDoesNotWaitForIt() async throws {
        try await TestDatabase.withDatabase { test in
            let broken = TestHandler(kind: "test.broken") { _ in throw PermanentJobFailure("payload names no product") }
            // No safety poll whose claim would carry the failure along, and a drain timeout
            // long enough to tell whether shutdown waited on the failed attempt.
            let configuration = JobRunner.Configuration(pollInterval: .seconds(3600), drainTimeout: .seconds(60))
            let clock = ContinuousClock()
            let dead = try await test.withRunners([configuration], handlers: [broken]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(NewJob(kind: "test.broken"), on: connection, logger: test.logger)
                }
                try await eventually("the job is dead") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'dead'", as: Int.self) == 1
                }
                return clock.now
            }
            // The attempt once stayed in the worker's running set after its failure was
            // stored, written again at every later round trip, and held shutdown for the
            // whole drain timeout.
            #expect(clock.now - dead < .seconds(30))
            #expect(
                try await test.scalar("SELECT attempts || ': ' || last_error FROM job_history", as: String.self)
                    == "1: payload names no product")
        }
    }

    @Test func aPermanentFailureIsDeadAtOnceAndAnUnhandledKindIsLeftForAnotherWorker() async throws {
        try await TestDatabase.withDatabase { test in
            let broken = TestHandler(kind: "test.broken") { _ in throw PermanentJobFailure("payload names no product") }
            let configuration = JobRunner.Configuration(pollInterval: .milliseconds(50))
            try await test.withRunners([configuration], handlers: [broken]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        [NewJob(kind: "test.broken"), NewJob(kind: "test.elsewhere")], on: connection,
                        logger: test.logger
                    )
                }
                try await eventually("the broken job is dead") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'dead'", as: Int.self) == 1
                }
            }
            #expect(
                try await test.scalar("SELECT attempts || ': ' || last_error FROM job_history", as: String.self)
                    == "1: payload names no product")
            // No handler in this worker: never claimed, still pending with no attempt spent.
            #expect(
                try await test.scalar("SELECT kind || ' ' || state || ' ' || attempts FROM jobs", as: String.self)
                    == "test.elsewhere pending 0")
        }
    }

    @Test func jobsStillRunningWhenTheDrainTimesOutAreReleasedForAnotherWorker() async throws {
        try await TestDatabase.withDatabase { test in
            let started = Atomic<Int>(0)
            let stuck = TestHandler(kind: "test.stuck", timeout: .seconds(120)) { _ in
                started.add(1, ordering: .relaxed)
                try await Task.sleep(for: .seconds(60))
            }
            let configuration = JobRunner.Configuration(
                pollInterval: .milliseconds(50), drainTimeout: .milliseconds(200))
            try await test.withRunners([configuration], handlers: [stuck]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        Array(repeating: NewJob(kind: "test.stuck"), count: 3), on: connection, logger: test.logger)
                }
                try await eventually("three jobs running") { started.load(ordering: .relaxed) == 3 }
            }
            // Back to pending at once, unowned, and the interrupted attempt does not count.
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM jobs WHERE state = 'pending' AND worker_id IS NULL AND attempts = 0 AND run_at <= now()",
                    as: Int.self
                ) == 3
            )
            #expect(try await test.scalar("SELECT count(*)::integer FROM job_history", as: Int.self) == 0)
        }
    }

    @Test func queuesHaveTheirOwnConcurrency() async throws {
        try await TestDatabase.withDatabase { test in
            let peak = Mutex<[String: (now: Int, peak: Int)]>([:])
            let handler = TestHandler(kind: "test.work") { job in
                peak.withLock {
                    $0[job.queue, default: (0, 0)].now += 1;
                    $0[job.queue]!.peak = max($0[job.queue]!.peak, $0[job.queue]!.now)
                }
                try await Task.sleep(for: .milliseconds(20))
                peak.withLock { $0[job.queue]!.now -= 1 }
            }
            let configuration = JobRunner.Configuration(
                queues: ["mail": 1, "reports": 4], pollInterval: .milliseconds(50))
            try await test.withRunners([configuration], handlers: [handler]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        (0..<20).map { NewJob(kind: "test.work", queue: $0.isMultiple(of: 2) ? "mail" : "reports") },
                        on: connection, logger: test.logger
                    )
                }
                try await eventually("20 jobs completed") {
                    try await test.scalar("SELECT count(*)::integer FROM job_history", as: Int.self) == 20
                }
            }
            #expect(peak.withLock { $0["mail"]?.peak } == 1)
            #expect(peak.withLock { $0["reports"]?.peak ?? 0 } > 1)
            #expect(peak.withLock { $0["reports"]?.peak ?? 0 } <= 4)
        }
    }
}

@Suite struct JobScheduleTests {
    static let kolkata = TimeZone.india

    static func instant(_ text: String) throws -> Date {
        try Date(text, strategy: .iso8601)
    }

    @Test func cronFieldsReadInTheSchedulesTimeZone() throws {
        let scan = JobSchedule(
            name: "expiry-scan", cron: try CronExpression("0 2 * * *"), timeZone: Self.kolkata,
            job: NewJob(kind: "test.scan"))
        // 02:00 in Kolkata is 20:30 UTC the day before.
        let tick = try Self.instant("2026-11-22T20:30:00Z")
        #expect(scan.latestTick(atOrBefore: try Self.instant("2026-11-22T20:30:59Z")) == tick)
        #expect(scan.latestTick(atOrBefore: try Self.instant("2026-11-22T21:29:00Z")) == tick)
        // Past the one-hour catch-up window, and before the tick: nothing due.
        #expect(scan.latestTick(atOrBefore: try Self.instant("2026-11-22T21:31:00Z")) == nil)
        #expect(scan.latestTick(atOrBefore: try Self.instant("2026-11-22T20:29:59Z")) == nil)

        let weekdays = try CronExpression("*/15 9-18 * * 1-6")
        #expect(weekdays.matches(minute: 45, hour: 18, day: 23, month: 11, weekday: 1))
        #expect(!weekdays.matches(minute: 45, hour: 18, day: 22, month: 11, weekday: 0))
        #expect(!weekdays.matches(minute: 50, hour: 9, day: 23, month: 11, weekday: 1))
        // Both day fields restricted: either one matches.
        let either = try CronExpression("0 0 1 * 0")
        #expect(either.matches(minute: 0, hour: 0, day: 1, month: 3, weekday: 3))
        #expect(either.matches(minute: 0, hour: 0, day: 8, month: 3, weekday: 0))
        #expect(!either.matches(minute: 0, hour: 0, day: 8, month: 3, weekday: 3))
    }

    @Test(arguments: ["0 2 * *", "60 2 * * *", "0 2 * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *"])
    func badCronExpressionsAreRefusedWithTheField(_ text: String) {
        #expect(throws: CronExpression.Invalid.self) { try CronExpression(text) }
    }

    @Test func twoDaemonsWithTheSameScheduleEnqueueOncePerTick() async throws {
        try await TestDatabase.withDatabase { test in
            let schedule = JobSchedule(
                name: "expiry-scan", cron: try CronExpression("0 2 * * *"), timeZone: Self.kolkata,
                job: NewJob(kind: "test.scan")
            )
            let daemons = (0..<2).map { _ in JobScheduler(schedules: [schedule], logger: test.logger) }
            func tick(_ now: String) async throws -> [Int] {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for daemon in daemons {
                        group.addTask {
                            try await test.withConnection {
                                try await daemon.enqueueDue(at: try Self.instant(now), on: $0)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }.sorted()
                }
            }
            #expect(try await tick("2026-11-22T20:30:05Z") == [0, 1])
            #expect(try await tick("2026-11-22T20:40:00Z") == [0, 0])
            // The job ran and finished; the next day's tick enqueues again, once.
            try await test.execute("DELETE FROM jobs")
            #expect(try await tick("2026-11-23T20:30:01Z") == [0, 1])
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM jobs WHERE kind = 'test.scan' AND run_at = '2026-11-23T20:30:00Z'",
                    as: Int.self) == 1)
            #expect(
                try await test.scalar(
                    "SELECT last_tick = '2026-11-23T20:30:00Z' AND last_job_id IS NOT NULL FROM job_schedules",
                    as: Bool.self))
            // A fresh daemon (no memory of the tick) does not enqueue it again either.
            let restarted = JobScheduler(schedules: [schedule], logger: test.logger)
            #expect(
                try await test.withConnection {
                    try await restarted.enqueueDue(at: try Self.instant("2026-11-23T20:31:00Z"), on: $0)
                } == 0)
        }
    }
}
