// Tests that need the machine to themselves: `make test` runs this suite on its own,
// after the others, one test at a time. Some hold the cluster-wide visibility horizon (an
// open transaction anywhere in the cluster holds back every test database's events) or
// need it free; one runs 200 deliveries at once, and the job runner's lease and shutdown
// tests time heartbeats and drains, which a loaded machine cannot time fairly.
import AsyncHTTPClient
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
import NIOHTTP1
import Notifications
import PostgresNIO
import Purchasing
import Synchronization
import Testing

@Suite(.serialized) struct SoloTests {
    @Test func theHeartbeatKeepsAJobThatOutlastsItsLeaseFromBeingRescued() async throws {
        try await TestDatabase.withDatabase { test in
            let attempts = JobRunnerTests.Attempts()
            let long = TestHandler(kind: "test.long") { try await attempts.run($0, for: .milliseconds(4000)) }
            // Leases of 1.5 s, so each runner's rescuer looks every 0.5 s: without the
            // heartbeat the other runner would take the job over twice before it ends. (A
            // shorter lease left too little room for a heartbeat delayed by a loaded CI
            // machine running every suite at once.)
            let configurations = (1...2).map { _ in
                JobRunner.Configuration(lease: .milliseconds(1500), pollInterval: .milliseconds(50))
            }
            try await test.withRunners(configurations, handlers: [long]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(NewJob(kind: "test.long"), on: connection, logger: test.logger)
                }
                try await eventually("the job completed") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self) == 1
                }
            }
            #expect(attempts.runs.values.sorted() == [1])
            #expect(attempts.overlaps == 0)
            #expect(
                try await test.scalar(
                    "SELECT attempts || ' ' || COALESCE(last_error, 'none') FROM job_history", as: String.self)
                    == "1 none")
        }
    }

    @Test func gracefulShutdownLetsRunningJobsFinish() async throws {
        try await TestDatabase.withDatabase { test in
            let attempts = JobRunnerTests.Attempts()
            let handler = TestHandler(kind: "test.work") { try await attempts.run($0, for: .seconds(1)) }
            let configuration = JobRunner.Configuration(
                queues: ["default": 5], pollInterval: .milliseconds(50), drainTimeout: .seconds(30))
            try await test.withRunners([configuration], handlers: [handler]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        Array(repeating: NewJob(kind: "test.work"), count: 8), on: connection, logger: test.logger)
                }
                try await eventually("five jobs running") { attempts.runningCount == 5 }
            }
            // Shut down with five in flight: they finished and were acknowledged; the
            // other three were never claimed.
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self) == 5)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM jobs WHERE state = 'pending' AND attempts = 0", as: Int.self) == 3)
            #expect(attempts.runs.count == 5)
        }
    }

    @Test func aHeldBackHorizonCostsNoWorkAndIsCaughtUpOnceReleased() async throws {
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(test, ["--no-api", "--no-jobs"])
            defer { server.kill() }
            try await eventually("the pipeline is idle") {
                try await test.scalar(
                    "SELECT count(*) = \(Modules.list().projectors().count) FROM projector_checkpoints", as: Bool.self)
            }

            // An open transaction in another database holds the cluster-wide horizon.
            let server0 = try TestDatabase.serverConfiguration()
            let holder = try await Database(configuration: server0, logger: test.logger).connect(as: "erp-tests-holder")
            do {
                try await holder.query("BEGIN", logger: test.logger)
                try await holder.query("SELECT pg_current_xact_id()", logger: test.logger)
                for _ in 0..<40 {
                    try await test.execute(
                        "INSERT INTO events (type, aggregate_type, aggregate_id, payload) SELECT 'test.held', 't', g::text, '{}' FROM generate_series(1, 10) g"
                    )
                }
                // The server's transactions over ten seconds while 400 events wait.
                let committed =
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
                try await Task.sleep(for: .seconds(3))
                let before = try await test.scalar(PostgresQuery(unsafeSQL: committed), as: Int64.self)
                try await Task.sleep(for: .seconds(15))
                let after = try await test.scalar(PostgresQuery(unsafeSQL: committed), as: Int64.self)
                let perSecond = Double(after - before) / 15
                // Idle, the three runners and their safety poll cost a few a second; the
                // looks at the held-back events add at most one per runner a second.
                #expect(perSecond < 20, "erp serve ran \(perSecond) transactions a second while held back")
                #expect(
                    try await test.scalar(
                        "SELECT count(*) FROM event_type_statistics WHERE type = 'test.held'", as: Int64.self) == 0)
                try await holder.query("COMMIT", logger: test.logger)
            } catch {
                try? await holder.close()
                throw error
            }
            try await holder.close()
            // No notification comes when the holder ends: the runners find the events themselves.
            try await eventually(timeout: .seconds(5), "caught up once the horizon moved") {
                try await PipeFaultTests.caughtUp(test)
            }
            #expect(try await server.stop() == 0, "\(server.logText)")
        }
    }

    @Test func aRunnerBlockedWithoutProgressIsRestartedShownAndReported() async throws {
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(
                test, ["--no-jobs", "--projector-watchdog", "2", "--poll-interval", "100"])
            defer { server.kill() }
            try await eventually("ready") { try await server.request(.GET, "/ready")?.status == 200 }
            // A lock the statistics projector needs, held by another session: its batch blocks
            // with the connection open, which no connection check can notice. (SHARE, not
            // ACCESS EXCLUSIVE: that one takes a transaction id and would hold the horizon.)
            let blocker = try await test.database.connect(as: "erp-tests-blocker")
            do {
                try await blocker.query("BEGIN", logger: test.logger)
                try await blocker.query("LOCK TABLE event_type_statistics IN SHARE MODE", logger: test.logger)
                try await test.execute(
                    "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.blocked', 't', '1', '{}')"
                )
                try await eventually(timeout: .seconds(20), "/ready reports the stuck projector") {
                    guard let ready = try await server.request(.GET, "/ready"), ready.status == 503 else {
                        return false
                    }
                    return ready.body.contains("event_statistics")
                }
                try await eventually(timeout: .seconds(20), "status shows the restart") {
                    let statistics = try await PipeFaultTests.status(test)["event_statistics"]
                    return (statistics?.restarts ?? 0) > 0
                        && statistics?.lastRestartReason?.contains("no progress") == true
                }
                try await blocker.query("COMMIT", logger: test.logger)
            } catch {
                try? await blocker.close()
                throw error
            }
            try await blocker.close()
            try await eventually(timeout: .seconds(20), "caught up once unblocked") {
                try await PipeFaultTests.caughtUp(test)
            }
            try await eventually(timeout: .seconds(10), "ready again") {
                try await server.request(.GET, "/ready")?.status == 200
            }
            #expect(
                try await test.scalar(
                    "SELECT sum(event_count)::bigint FROM event_type_statistics WHERE type = 'test.blocked'",
                    as: Int64.self) == 1)
            #expect(server.logText.contains("the watchdog restarts it"))
            #expect(try await server.stop() == 0, "\(server.logText)")
        }
    }

    @Test func twoHundredConcurrentSlowDeliveriesNeitherTimeOutNorOverlap() async throws {
        let receiver = WebhookReceiver(secret: Fixtures.webhookSecret)
        receiver.answerDelayMilliseconds.store(1000, ordering: .relaxed)
        try await receiver.serve { base in
            try await TestDatabase.withDatabase { test in
                let count = 200
                try await test.execute(
                    """
                    INSERT INTO notifications (kind, subject, product_id, warehouse_id, message, raised_at)
                    SELECT 'below_reorder', 'below_reorder:' || g || ':1:1', 1, 1, 'test notification', now()
                      FROM generate_series(1, \(count)) g
                    """
                )
                let webhooks = WebhookClient(concurrency: count, timeout: .seconds(10))
                try await test.withPool { client in
                    let delivery = NotificationDelivery(
                        endpoints: WebhookEndpoints(
                            urls: ["\(base)/a"], secret: Fixtures.webhookSecret, timeout: .seconds(10)),
                        client: client,
                        http: webhooks.http
                    )
                    let configuration = JobRunner.Configuration(
                        queues: ["notifications": count], pollInterval: .milliseconds(50))
                    try await test.withRunners([configuration], handlers: [delivery]) {
                        try await eventually(timeout: .seconds(60), "every delivery completed") {
                            try await test.scalar(
                                "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self)
                                == count
                        }
                    }
                }
                try await webhooks.http.shutdown()
                let errors = try await test.scalar(
                    "SELECT COALESCE(string_agg(DISTINCT last_error, ' | '), '') FROM job_history", as: String.self)
                #expect(
                    try await test.scalar("SELECT max(attempts)::integer FROM job_history", as: Int.self) == 1,
                    "\(errors)")
                #expect(receiver.deliveries.count == count)
                #expect(Set(receiver.deliveries.map(\.subject)).count == count)
                #expect(receiver.overlaps == 0)
            }
        }
    }
}
