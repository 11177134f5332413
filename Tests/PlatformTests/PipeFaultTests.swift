// The pipe under real faults: terminated backends, a held-back horizon, a killed holder, a blocked runner.
import ERPApp
import ERPEvents
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

@Suite struct PipeFaultTests {
    /// Set once, read by many tasks.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    /// Whose backends a fault run terminates, by `application_name`.
    enum Victims: String, CaseIterable, Sendable {
        case everyBackend = "application_name LIKE 'erp-%' AND application_name <> 'erp-tests'"
        case projectorBackends = "application_name LIKE 'erp-projector:%'"
        case pooledAPIBackends = "application_name = 'erp-api'"
    }

    /// A shop with one warehouse and one product in batches B0…B3, made through the server's own API.
    static func openShop(_ server: ServeProcess) async throws -> (warehouse: Int, product: Int) {
        let warehouse = try await server.create(
            "warehouses", #"{"code": "MUM", "name": "Mumbai godown", "stateCode": "27"}"#)
        let vendor = try await server.create(
            "vendors", #"{"name": "Bharat Homoeo Pharma", "gstin": "27AAPFU0939F1ZV"}"#)
        let product = try await server.create(
            "products", Shop.product(sku: "ARN-30C", name: "Arnica Montana 30C", reorderLevel: 10))
        let order = try await server.create(
            "purchase-orders",
            #"{"vendorId": \#(vendor), "warehouseId": \#(warehouse), "lines": [{"productId": \#(product), "quantity": 40, "unitCost": 4200}]}"#
        )
        _ = try await server.request(.POST, "/api/v1/purchase-orders/\(order)/approve")
        let expiry = Shop.date(daysFromToday: 400)
        _ = try await server.create(
            "goods-receipts", Shop.receipt(order: order, (0..<4).map { (1, 10, "B\($0)", expiry) }))
        return (warehouse, product)
    }

    /// Terminates the backends of `victims` in `test`'s database; how many.
    @discardableResult
    static func terminate(_ victims: Victims, in test: TestDatabase) async throws -> Int {
        try await test.scalar(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(pg_terminate_backend(pid))::integer FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid() AND \(victims.rawValue)
                    """
            ),
            as: Int.self
        )
    }

    /// Every projector's checkpoint is the last event of the log.
    static func caughtUp(_ test: TestDatabase) async throws -> Bool {
        try await test.scalar(
            """
            SELECT count(*) = \(Modules.list().projectors().count) AND bool_and((c.tx, c.position) >= (SELECT tx, position FROM events ORDER BY tx DESC, position DESC LIMIT 1))
              FROM projector_checkpoints c WHERE c.state = 'running'
            """,
            as: Bool.self
        )
    }

    @Test(arguments: Victims.allCases)
    func terminatedBackendsDuringABurstLeaveNoRunnerStuckAndNoRequestUnanswered(_ victims: Victims) async throws {
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(
                test, ["--no-jobs", "--poll-interval", "200", "--shutdown-timeout", "10"])
            defer { server.kill() }
            let (warehouse, product) = try await Self.openShop(server)

            // Four clients post stock adjustments, each with a key of its own, while the
            // backends are terminated five times, 2 s apart; each goes on until the faults
            // are over and 8 of its commands got through (however slow the machine).
            let faultsOver = Flag()
            let end = ContinuousClock.now + .seconds(180)
            let all = try await withThrowingTaskGroup(of: [(key: String, status: Int?, body: String)].self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var answers: [(key: String, status: Int?, body: String)] = []
                        func through() -> Int { answers.count { ($0.status ?? 0) / 100 == 2 } }
                        while ContinuousClock.now < end, !faultsOver.isSet || through() < 8 {
                            let key = "fault-\(client)-\(answers.count)"
                            let lines = Shop.stockLines([(product: product, batch: "B\(client)", quantity: 1)])
                            let body = #"{"warehouseId": \#(warehouse), "reason": "count", "lines": \#(lines)}"#
                            let answer = try await server.request(
                                .POST, "/api/v1/stock-adjustments", body: body, headers: [("Idempotency-Key", key)]
                            )
                            answers.append((key, answer?.status, answer?.body ?? ""))
                        }
                        return answers
                    }
                }
                for _ in 0..<5 {
                    try await Task.sleep(for: .seconds(2))
                    try await Self.terminate(victims, in: test)
                }
                try await Task.sleep(for: .seconds(0.5))
                faultsOver.set()
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let unanswered = all.filter { $0.status == nil }.map(\.key)
            #expect(unanswered.isEmpty, "\(unanswered.count) never answered, first: \(unanswered.prefix(5))")
            let odd = all.filter { status in status.status.map { !(200...299).contains($0) && $0 != 503 } ?? false }
            #expect(odd.isEmpty, "\(odd.count) answers neither 2xx nor 503, first: \(odd.prefix(3))")
            // What was answered 2xx is written; what was answered 503 is not (its key is the trace).
            let written = Set(
                try await test.scalar("SELECT COALESCE(array_agg(key), '{}') FROM idempotency_keys", as: [String].self))
            let succeeded = Set(all.filter { ($0.status ?? 0) < 300 && $0.status != nil }.map(\.key))
            let refused = Set(all.filter { $0.status == 503 }.map(\.key))
            // The server could always ask whether a COMMIT it lost the answer to had landed.
            #expect(!all.contains { $0.status == 503 && $0.body.contains("commit-outcome-unknown") })
            #expect(succeeded.isSubset(of: written))
            #expect(
                refused.isDisjoint(with: written), "answered 503 yet written: \(refused.intersection(written).sorted())"
            )
            #expect(succeeded.count >= 32, "too few commands got through to mean anything: \(succeeded.count)")

            try await eventually(timeout: .seconds(30), "every projector caught up after the faults") {
                try await Self.caughtUp(test)
            }
            let verify = try await ERPProcess.run(["verify"], environment: ["DATABASE_URL": test.url])
            #expect(verify.status == 0, "erp verify:\n\(verify.output)\(verify.errors)")

            let started = ContinuousClock.now
            let status = try await server.stop(timeout: .seconds(15))
            #expect(
                status == 0, "erp serve exited \(status) after \(ContinuousClock.now - started):\n\(server.logText)")
        }
    }

    struct Status: Decodable {
        var name: String
        var activeHolder: String?
        var standbys: [String]
        var restarts: Int
        var lastRestartReason: String?
    }

    static func status(_ test: TestDatabase) async throws -> [String: Status] {
        let result = try await ERPProcess.run(
            ["projections", "status", "--json"], environment: ["DATABASE_URL": test.url])
        guard result.status == 0 else { throw SetupError("erp projections status failed: \(result.errors)") }
        let rows = try JSONDecoder().decode([Status].self, from: Data(result.output.utf8))
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0) })
    }

    @Test func statusNamesTheHolderAndAfterItsSIGKILLTheStandbyTakesOverApplyingNothingTwice() async throws {
        try await TestDatabase.withDatabase { test in
            let first = try await ServeProcess.start(test, ["--no-api", "--no-jobs", "--poll-interval", "100"])
            defer { first.kill() }
            let host = ProcessIdentity.host
            try await eventually("the first process holds every projector") {
                try await Self.status(test).values.allSatisfy { $0.activeHolder == "\(host) pid \(first.pid)" }
            }
            let second = try await ServeProcess.start(test, ["--no-api", "--no-jobs", "--poll-interval", "100"])
            defer { second.kill() }
            try await eventually("the second process stands by for every projector") {
                try await Self.status(test).values.allSatisfy { $0.standbys == ["\(host) pid \(second.pid)"] }
            }
            let write =
                "INSERT INTO events (type, aggregate_type, aggregate_id, payload) SELECT 'test.burst', 't', g::text, '{}' FROM generate_series(1, 50) g"
            for _ in 0..<20 { try await test.execute(write) }
            first.child.signal(SIGKILL)
            for _ in 0..<20 { try await test.execute(write) }
            try await eventually(timeout: .seconds(30), "the standby holds every projector") {
                try await Self.status(test).values.allSatisfy {
                    $0.activeHolder == "\(host) pid \(second.pid)" && $0.standbys.isEmpty
                }
            }
            try await eventually(timeout: .seconds(30), "caught up") { try await Self.caughtUp(test) }
            // Counted once each: nothing the first applied was applied again.
            #expect(
                try await test.scalar(
                    "SELECT sum(event_count)::bigint FROM event_type_statistics WHERE type = 'test.burst'",
                    as: Int64.self) == 2000)
            #expect(try await second.stop() == 0, "\(second.logText)")
        }
    }
}
