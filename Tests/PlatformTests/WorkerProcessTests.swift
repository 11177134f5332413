import ERPApp
import ERPEvents
import ERPJobs
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Synchronization
import Testing

/// `erp worker` and `erp jobs` as real processes.
@Suite struct WorkerProcessTests {
    static func environment(_ test: TestDatabase, webhooks: String = "") -> [String: String] {
        [
            "DATABASE_URL": test.url,
            "ERP_WEBHOOK_URLS": webhooks,
            "ERP_WEBHOOK_SECRET": Fixtures.webhookSecret,
        ]
    }

    static func raise(_ count: Int, in test: TestDatabase) async throws {
        for index in 1...count {
            try await Fixtures.raiseNotification(test, subject: "below_reorder:\(index):1:1")
        }
    }

    @Test func jobsOfAWorkerKilledMidFlightAreRescuedAfterTheLeaseAndComplete() async throws {
        let receiver = WebhookReceiver(secret: Fixtures.webhookSecret)
        try await receiver.serve { base in
            try await TestDatabase.withDatabase { test in
                let environment = Self.environment(test, webhooks: "\(base)/a")
                let arguments = ["worker", "--queues", "notifications", "--lease", "3"]
                receiver.hanging.store(true, ordering: .relaxed)
                let doomed = try ERPProcess.start(arguments, environment: environment)
                try await Self.raise(3, in: test)
                try await eventually("three deliveries in flight") { receiver.inFlight == 3 }
                let holder = try await test.scalar(
                    "SELECT string_agg(DISTINCT worker_id, ',') FROM jobs WHERE state = 'running'", as: String.self)
                doomed.signal(SIGKILL)
                try await doomed.waitForExit(timeout: .seconds(10))

                // The endpoint recovers; a second worker rescues the jobs once their leases expire.
                receiver.hanging.store(false, ordering: .relaxed)
                let rescuer = try ERPProcess.start(arguments, environment: environment)
                let errors = Task { await rescuer.readErrors() }
                try await eventually(timeout: .seconds(30), "the three jobs completed") {
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self) == 3
                }
                rescuer.signal(SIGTERM)
                try await rescuer.waitForExit(timeout: .seconds(20))
                let log = await errors.value
                #expect(rescuer.process.terminationStatus == 0, "erp worker log:\n\(log)")
                // The second attempt ran each: the first died with its worker.
                #expect(
                    try await test.scalar(
                        "SELECT string_agg(DISTINCT attempts || ' ' || last_error, ',') FROM job_history",
                        as: String.self)
                        == "2 lease expired: worker \(holder) stopped answering"
                )
                #expect(
                    try await test.scalar(
                        "SELECT count(DISTINCT subject)::integer FROM notification_deliveries", as: Int.self) == 3)
                #expect(Set(receiver.deliveries.map(\.subject)).count == 3)
            }
        }
    }

    @Test func sigtermLetsTheRunningDeliveriesFinishBeforeTheWorkerExits() async throws {
        let receiver = WebhookReceiver(secret: Fixtures.webhookSecret)
        try await receiver.serve { base in
            try await TestDatabase.withDatabase { test in
                receiver.hanging.store(true, ordering: .relaxed)
                let worker = try ERPProcess.start(
                    ["worker", "--queues", "notifications", "--drain-timeout", "20"],
                    environment: Self.environment(test, webhooks: "\(base)/a")
                )
                let errors = Task { await worker.readErrors() }
                try await Self.raise(2, in: test)
                try await eventually("two deliveries in flight") { receiver.inFlight == 2 }
                worker.signal(SIGTERM)
                // Still draining: the worker waits for the endpoint.
                try await Task.sleep(for: .milliseconds(300))
                #expect(worker.process.isRunning)
                receiver.hanging.store(false, ordering: .relaxed)
                try await worker.waitForExit(timeout: .seconds(20))
                let log = await errors.value
                #expect(worker.process.terminationStatus == 0, "erp worker log:\n\(log)")
                #expect(
                    try await test.scalar(
                        "SELECT count(*)::integer FROM job_history WHERE state = 'completed' AND attempts = 1",
                        as: Int.self) == 2)
                #expect(
                    try await test.scalar(
                        "SELECT count(*)::integer FROM jobs WHERE queue = 'notifications'", as: Int.self) == 0)
            }
        }
    }

    @Test func jobsCommandsListCountRetryAndCancel() async throws {
        try await TestDatabase.withDatabase { test in
            let (dead, pending) = try await test.withConnection { connection in
                let ids = try await JobQueue.enqueue(
                    [NewJob(kind: "test.flaky", maxAttempts: 1), NewJob(kind: "test.later", queue: "reports")],
                    on: connection, logger: test.logger
                )
                let claimed = try await JobStore.claim(
                    queue: "default", limit: 1, worker: "w1", lease: .seconds(30), on: connection, logger: test.logger)
                _ = try await JobStore.fail(
                    claimed[0].id, worker: "w1", error: "endpoint down", retryIn: .zero, on: connection,
                    logger: test.logger)
                return (ids[0], ids[1])
            }
            let environment = Self.environment(test)

            let stats = try await ERPProcess.run(["jobs", "stats", "--json"], environment: environment)
            #expect(stats.status == 0, "\(stats.errors)")
            let queues = try JSONDecoder().decode([QueueStatistics].self, from: Data(stats.output.utf8))
            // Every queue ERPCore knows is listed, with zeros until it has held a job.
            #expect(queues.map(\.queue) == ["default", "notifications", "reports"])
            #expect(queues.map(\.dead) == [1, 0, 0])
            #expect(queues.map(\.pending) == [0, 0, 1])

            let list = try await ERPProcess.run(["jobs", "list", "--state", "dead"], environment: environment)
            #expect(
                list.output.contains("test.flaky") && list.output.contains("endpoint down")
                    && !list.output.contains("test.later"))

            #expect(
                try await ERPProcess.run(["jobs", "retry", "\(dead)"], environment: environment).output
                    == "job \(dead) is pending again\n")
            let again = try await ERPProcess.run(["jobs", "retry", "\(dead)"], environment: environment)
            #expect(again.status == 1)
            #expect(again.errors == "erp: there is no dead job \(dead)\n")

            #expect(try await ERPProcess.run(["jobs", "cancel", "\(pending)"], environment: environment).status == 0)
            #expect(
                try await test.scalar("SELECT state FROM job_history WHERE id = \(pending)", as: String.self)
                    == "cancelled")
            let bad = try await ERPProcess.run(["jobs", "list", "--state", "finished"], environment: environment)
            #expect(bad.status != 0)
            #expect(
                bad.errors.contains("--state must be one of pending, scheduled, running, completed, dead, cancelled"))
        }
    }

    @Test func jobStatisticsOverHTTP() async throws {
        try await LiveAPI.with { test, http in
            try await Self.raise(2, in: test)
            let response = try await http.execute(uri: "/api/v1/jobs/stats", method: .get)
            #expect(response.status == .ok)
            let queues = try LiveAPI.json(response)["queues"] as? [[String: Any]]
            // Every known queue, the idle one with zeros.
            #expect(queues?.map { $0["queue"] as? String } == ["default", "notifications"])
            #expect(queues?.map { $0["pending"] as? Int } == [0, 2])
            #expect(queues?.last?["oldestPendingSeconds"] as? Double != nil)
            #expect(queues?.first?["oldestPendingSeconds"] == nil)
        }
    }

    @Test func statsListEveryQueueBeforeAnyJobAndAScheduledJobRunsOnRequest() async throws {
        try await TestDatabase.withDatabase { test in
            let environment = Self.environment(test)
            let stats = try await ERPProcess.run(["jobs", "stats"], environment: environment)
            let lines = stats.output.split(separator: "\n")
            #expect(lines.count == 3, "\(stats.output)")
            #expect(
                lines.dropFirst().map { $0.split(separator: " ").first.map(String.init) } == [
                    "default", "notifications",
                ])
            let json = try await ERPProcess.run(["jobs", "stats", "--json"], environment: environment)
            #expect(
                try JSONDecoder().decode([QueueStatistics].self, from: Data(json.output.utf8)).map(\.pending) == [0, 0])

            for kind in ["inventory.expiry_scan", "purchasing.reorder_suggestions"] {
                let run = try await ERPProcess.run(["jobs", "run", kind], environment: environment)
                #expect(run.status == 0, "\(run.errors)")
                #expect(run.output.contains("is enqueued"))
            }
            #expect(
                try await test.scalar("SELECT string_agg(kind, ',' ORDER BY kind) FROM jobs", as: String.self)
                    == "inventory.expiry_scan,purchasing.reorder_suggestions")
            let unknown = try await ERPProcess.run(["jobs", "run", "nope"], environment: environment)
            #expect(unknown.status != 0)
            #expect(unknown.errors.contains("inventory.expiry_scan"))
        }
    }

    @Test func theCLIFindsTheMakeRunClusterFromTheProjectFolder() async throws {
        try await TestDatabase.withDatabase { test in
            let folder = FileManager.default.temporaryDirectory.appending(path: "erp-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: folder.appending(path: ".erp-data"), withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try Data((test.url + "\n").utf8).write(to: folder.appending(path: ".erp-data/database-url"))
            let process = Process()
            process.executableURL = try ERPProcess.binary
            process.arguments = ["projections", "status"]
            process.currentDirectoryURL = folder
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "DATABASE_URL")
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = Pipe()
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(text.contains("event_statistics"))
        }
    }

    @Test func theMaintenanceConnectionIsReplacedAtOnceNotAtTheNextBeat() async throws {
        try await TestDatabase.withDatabase { test in
            // A 30 s lease beats every 10 s: a replacement within a few seconds is not the next beat.
            let worker = try ERPProcess.start(["worker", "--lease", "30"], environment: Self.environment(test))
            let errors = Task { await worker.readErrors() }
            let maintenance =
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'erp-jobs:maintenance'"
            try await eventually("the maintenance connection is up") {
                try await test.withConnection {
                    try await $0.rows(PostgresQuery(unsafeSQL: maintenance), as: Int32.self, logger: test.logger).count
                        == 1
                }
            }
            let first = try await test.scalar(PostgresQuery(unsafeSQL: maintenance), as: Int32.self)
            try await test.execute("SELECT pg_terminate_backend(\(first))")
            try await eventually(timeout: .seconds(4), "a new maintenance connection") {
                let pids = try await test.withConnection {
                    try await $0.rows(PostgresQuery(unsafeSQL: maintenance), as: Int32.self, logger: test.logger)
                }
                return pids.count == 1 && pids[0] != first
            }
            worker.signal(SIGTERM)
            try await worker.waitForExit(timeout: .seconds(20))
            let log = await errors.value
            #expect(worker.process.terminationStatus == 0, "\(log)")
        }
    }
}
