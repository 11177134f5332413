import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Finance
import Foundation
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Testing

/// `erp replay`, `erp verify` and the projection levers, against a seeded stock history.
@Suite struct ReplayTests {
    /// A small history: 3 warehouses × 20 documents a round, about 70 events a round.
    static func seed(_ test: TestDatabase, events: Int) async throws {
        let seeder = StockHistorySeeder(
            configuration: .init(products: 20, warehouses: 3, documentsPerWarehouse: 20), logger: test.logger)
        _ = try await test.withConnection { try await seeder.seed(events: events, on: $0) }
    }

    /// Every row of the stock levels read model, as text in key order.
    static func stockTables(_ test: TestDatabase) async throws -> [String] {
        try await test.withConnection { connection in
            var tables: [String] = []
            for (table, key) in [
                ("stock_level_products", "product_id"), ("stock_levels", "product_id, warehouse_id"),
                ("stock_level_batches", "product_id, warehouse_id, batch_id"),
            ] {
                let rows = try await connection.value(
                    PostgresQuery(
                        unsafeSQL: "SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY \(key))::text, '[]') FROM \(table) t"
                    ),
                    as: String.self, logger: test.logger
                )
                tables.append(rows ?? "")
            }
            return tables
        }
    }

    static func findings(_ test: TestDatabase) async throws -> [Invariant.Finding] {
        try await test.withConnection {
            try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
        }
    }

    @Test func aReplayOfStockLevelsEqualsTheLiveProjection() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 1500)
            try await LiveAPI.catchUpProjections(test)
            let live = try await Self.stockTables(test)
            #expect(live[2].count > 100)

            let outcome = try await Fixtures.replay(test, StockLevelsProjector())
            #expect(outcome.mode == "swapped")
            #expect(try await Self.stockTables(test) == live)
            let head = try await test.withConnection { try await EventReader(logger: test.logger).head(on: $0) }
            #expect(outcome.checkpoint == head)
            #expect(outcome.events == Int64(try await test.scalar("SELECT count(*) FROM events", as: Int64.self)))
            // The swapped-in tables have the live ones' index names, and the copies are gone.
            let indexes = try await test.scalar(
                "SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes WHERE tablename = 'stock_level_batches'",
                as: [String].self
            )
            #expect(indexes == ["stock_level_batches_expiry", "stock_level_batches_pkey"])
            #expect(
                try await test.scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'replay_%'", as: Int64.self)
                    == 0)
            #expect(try await Self.findings(test).allSatisfy(\.holds))
        }
    }

    /// Every row of the ledger, as text in key order.
    static func ledgerTables(_ test: TestDatabase) async throws -> [String] {
        try await test.withConnection { connection in
            var tables: [String] = []
            for (table, key) in [
                ("ledger_journals", "position"), ("ledger_lines", "position, line_number"),
                ("ledger_account_days", "account_id, posting_date"),
                ("ledger_party_balances", "party_type, party_id, account_id"),
            ] {
                tables.append(
                    try await connection.value(
                        PostgresQuery(
                            unsafeSQL:
                                "SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY \(key))::text, '[]') FROM \(table) t"),
                        as: String.self, logger: test.logger) ?? "")
            }
            return tables
        }
    }

    @Test func aReplayOfTheLedgerEqualsTheLiveLedger() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 1500)
            try await LiveAPI.catchUpProjections(test)
            let live = try await Self.ledgerTables(test)
            #expect(try await test.scalar("SELECT count(*) FROM ledger_journals", as: Int64.self) > 500)

            let outcome = try await Fixtures.replay(test, LedgerProjector())
            #expect(outcome.mode == "swapped")
            #expect(try await Self.ledgerTables(test) == live)
            #expect(try await Self.findings(test).allSatisfy(\.holds))
        }
    }

    @Test func aLedgerReplayWhileWritesContinueEndsWithTheBooksAgreeingWithStock() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 1000)
            try await eventually("the seeded events readable") {
                try await test.withConnection { try await EventReader(logger: test.logger).head(on: $0) }.position
                    == (try await test.scalar("SELECT max(position) FROM events", as: Int64.self))
            }
            let pipeline = EventPipeline(
                projectors: Modules.list().projectors(), database: test.database,
                configuration: .init(pollInterval: .milliseconds(50)), logger: test.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                group.addTask { try await Self.seed(test, events: 3000) }
                let outcome = try await Fixtures.replay(test, LedgerProjector(), batchSize: 40)
                #expect(outcome.events >= 1000)
                try await group.next()
                try await eventually(timeout: .seconds(180), "the ledger caught up") {
                    try await test.withConnection { connection in
                        try await Invariant.eventsBehind(
                            "ledger", types: Posting.eventTypes, on: connection, logger: test.logger)
                    } == 0
                }
                group.cancelAll()
            }
            // Nothing lost or doubled: each warehouse's inventory account is its stock value.
            let findings = try await Self.findings(test)
            for finding in findings { #expect(finding.holds, "\(finding.name): \(finding.breaches)") }
            #expect(findings.first { $0.name == "ledger_inventory_equals_stock_value" }?.note == nil)
        }
    }

    @Test func aReplayWhileWritesContinueEndsEqualToTheLiveProjection() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 1000)
            // Other tests' transactions hold the cluster-wide horizon back for a while.
            try await eventually("the seeded events readable") {
                try await test.withConnection { try await EventReader(logger: test.logger).head(on: $0) }.position
                    == (try await test.scalar("SELECT max(position) FROM events", as: Int64.self))
            }
            let pipeline = EventPipeline(
                projectors: Modules.list().projectors(), database: test.database,
                configuration: .init(pollInterval: .milliseconds(50)), logger: test.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                group.addTask {
                    // Writes all through the replay, and past its swap.
                    try await Self.seed(test, events: 3000)
                }
                // Small batches: the replay runs while the writes go on.
                let outcome = try await Fixtures.replay(test, StockLevelsProjector(), batchSize: 40)
                #expect(outcome.events >= 1000)
                try await group.next()
                // Every stock event in the table, not only those visible when the seeding
                // ended: another test's open transaction can hide the last ones for a while.
                // A loaded machine (and other tests holding the horizon) can take a while.
                let moving = Modules.list().catalog.types(with: .movesStock)
                try await eventually(timeout: .seconds(180), "stock_levels caught up") {
                    try await test.withConnection { connection in
                        try await Invariant.eventsBehind(
                            "stock_levels", types: moving, on: connection, logger: test.logger)
                    } == 0
                }
                group.cancelAll()
            }
            // Nothing lost or doubled: the projection is the sum of every movement event, and the write model.
            let findings = try await Self.findings(test)
            for finding in findings { #expect(finding.holds, "\(finding.name): \(finding.breaches)") }
            #expect(findings.first { $0.name == "stock_projection_equals_write_model" }?.note == nil)
        }
    }

    @Test func aDryRunReportsAPlantedDifferenceAndChangesNothing() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 800)
            try await LiveAPI.catchUpProjections(test)
            let (product, warehouse, batch) = try await test.withConnection { connection in
                try await connection.rows(
                    "SELECT product_id, warehouse_id, batch_id FROM stock_level_batches ORDER BY 1, 2, 3 LIMIT 1",
                    as: (Int64, Int64, Int64).self, logger: test.logger
                )[0]
            }
            try await test.execute(
                """
                UPDATE stock_level_batches SET on_hand = on_hand + 7 WHERE (product_id, warehouse_id, batch_id) = (\(product), \(warehouse), \(batch));
                DELETE FROM stock_level_products WHERE product_id = (SELECT max(product_id) FROM stock_level_products)
                """
            )
            let planted = try await Self.stockTables(test)

            let outcome = try await Fixtures.replay(test, StockLevelsProjector(), dryRun: true)
            #expect(outcome.mode == "dry-run")
            #expect(outcome.differenceCount == 2)
            let changed = outcome.differences.first { $0.table == "stock_level_batches" }
            #expect(changed?.key == "product_id=\(product), warehouse_id=\(warehouse), batch_id=\(batch)")
            #expect(changed?.live?.contains("\"on_hand\"") == true && changed?.live != changed?.rebuilt)
            let missing = outcome.differences.first { $0.table == "stock_level_products" }
            #expect(missing?.live == nil && missing?.rebuilt != nil)
            #expect(try await Self.stockTables(test) == planted)
            #expect(
                try await test.scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'replay_%'", as: Int64.self)
                    == 0)

            // The dry run's exit status says whether it found differences.
            let cli = try await ERPProcess.run(
                ["replay", "stock_levels", "--dry-run"], environment: ["DATABASE_URL": test.url])
            #expect(cli.status == 1)
            #expect(cli.output.contains("2 rows differ from the live read model"), "\(cli.output)")

            // From the middle of the log: only the later events build the copies.
            let replay = ProjectionReplay(
                projector: StockLevelsProjector(), database: test.database, logger: test.logger)
            let fromMiddle = try await replay.run(dryRun: true, from: 400)
            // Fewer events than the whole log build the copies: so more rows differ.
            let all = try await test.scalar("SELECT count(*) FROM events", as: Int64.self)
            #expect(fromMiddle.events > 0 && fromMiddle.events < all, "\(fromMiddle.events) of \(all) events")
            #expect(fromMiddle.differenceCount > 2)
            await #expect(throws: ProjectionReplay.NoEventsFrom.self) {
                try await replay.run(dryRun: true, from: 1_000_000)
            }
        }
    }

    @Test func anInterruptedReplayLeavesTheLiveProjectionUntouched() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 4000)
            try await LiveAPI.catchUpProjections(test)
            try await test.execute("UPDATE stock_levels SET value_paise = value_paise + 1")
            let before = try await Self.stockTables(test)
            let environment = ["DATABASE_URL": test.url]

            for signal in [SIGINT, SIGTERM] {
                let replay = try ERPProcess.start(
                    ["replay", "stock_levels", "--batch-size", "5"], environment: environment)
                try await eventually("the replay is building") {
                    try await test.scalar(
                        "SELECT count(*) FROM pg_namespace WHERE nspname = 'replay_stock_levels'", as: Int64.self) == 1
                }
                replay.signal(signal)
                do {
                    try await replay.waitForExit(timeout: .seconds(30))
                } catch {
                    throw SetupError("the replay did not stop on signal \(signal): \(await replay.readErrors())")
                }
                let errors = await replay.readErrors()
                #expect(replay.process.terminationStatus == 130)
                #expect(errors.contains("interrupted; the live read model is untouched"), "\(errors)")
                #expect(try await Self.stockTables(test) == before)
                #expect(
                    try await test.scalar(
                        "SELECT count(*) FROM pg_namespace WHERE nspname = 'replay_stock_levels'", as: Int64.self) == 0)
                #expect(try await test.scalar("SELECT count(*) FROM projection_replays", as: Int64.self) == 0)
            }

            // The database goes away under it: the backend is terminated mid-build.
            let replay = try ERPProcess.start(
                ["replay", "stock_levels", "--batch-size", "5"], environment: environment)
            try await eventually("the replay is building") {
                try await test.scalar(
                    "SELECT count(*) FROM pg_namespace WHERE nspname = 'replay_stock_levels'", as: Int64.self) == 1
            }
            try await test.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'erp-replay:stock_levels'"
            )
            do {
                try await replay.waitForExit(timeout: .seconds(30))
            } catch {
                throw SetupError(
                    "the replay did not stop when its backend was terminated: \(await replay.readErrors())")
            }
            let errors = await replay.readErrors()
            #expect(replay.process.terminationStatus == 1)
            #expect(errors.contains("lost the database connection during the replay of stock_levels"), "\(errors)")
            #expect(errors.contains("The live projection is untouched"))
            #expect(try await Self.stockTables(test) == before)

            // Running it again starts over and repairs the planted values.
            let again = try await ERPProcess.run(["replay", "stock_levels"], environment: environment)
            #expect(again.status == 0, "\(again.errors)")
            #expect(try await Self.stockTables(test) != before)
            #expect(try await Self.findings(test).allSatisfy(\.holds))
        }
    }

    @Test func aReplayRaisesNoNotificationASecondTime() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 500)
            // Every place of one product falls below a raised reorder level: notifications and deliveries.
            try await test.execute(
                "UPDATE products SET reorder_level = 1000000, version = version + 1 WHERE sku = 'SEED-15'")
            try await LiveAPI.catchUpProjections(test)
            let raised = try await test.scalar("SELECT count(*) FROM notifications", as: Int64.self)
            let deliveries = try await test.scalar(
                "SELECT count(*) FROM jobs WHERE kind = 'notification.deliver'", as: Int64.self)
            #expect(raised > 0)
            #expect(deliveries == raised)
            // An operator acknowledged one (the command, as the API runs it); one was lost
            // (say, by a projector bug).
            let first = try await test.scalar("SELECT min(id) FROM notifications", as: Int64.self)
            try await test.withConnection { connection in
                try await connection.inTransaction(logger: test.logger) { transaction in
                    let context = CommandContext(actor: "asha", requestID: "test", logger: test.logger)
                    _ = try await context.apply(to: transaction)
                    try await NotificationCommands.acknowledge(first, on: transaction, context: context)
                }
            }
            try await LiveAPI.catchUpProjections(test)
            #expect(
                try await test.scalar("SELECT status FROM notifications WHERE id = \(first)", as: String.self)
                    == "acknowledged")
            let original = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject || ' ' || status, ', ' ORDER BY id) FROM notifications",
                as: String.self)
            try await test.execute("DELETE FROM notifications WHERE id = (SELECT max(id) FROM notifications)")

            // The rebuild brings it back, with the acknowledgement and the ids they had, and
            // delivers nothing; a dry run then finds nothing to differ.
            _ = try await Fixtures.replay(test, NotificationsProjector())
            let rebuilt = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject || ' ' || status, ', ' ORDER BY id) FROM notifications",
                as: String.self)
            #expect(rebuilt == original)
            let dryRun = try await Fixtures.replay(test, NotificationsProjector(), dryRun: true)
            #expect(dryRun.differenceCount == 0, "\(dryRun.differences)")
            #expect(try await test.scalar("SELECT count(*) FROM notifications", as: Int64.self) == raised)
            #expect(
                try await test.scalar(
                    "SELECT count(*) FROM notifications WHERE status = 'acknowledged' AND acknowledged_by = 'asha'",
                    as: Int64.self) == 1)
            // No delivery for the notification added back, and none again for the others.
            #expect(
                try await test.scalar("SELECT count(*) FROM jobs WHERE kind = 'notification.deliver'", as: Int64.self)
                    == deliveries)
            let all = try await ERPProcess.run(["replay", "--all"], environment: ["DATABASE_URL": test.url])
            #expect(all.status == 0, "\(all.errors)")
            #expect(try await test.scalar("SELECT count(*) FROM notifications", as: Int64.self) == raised)
            #expect(
                try await test.scalar("SELECT count(*) FROM jobs WHERE kind = 'notification.deliver'", as: Int64.self)
                    == deliveries)
            // The live table's delivery trigger survived the swaps of the tables around it.
            try await test.execute(
                "UPDATE products SET reorder_level = 2000000, version = version + 1 WHERE sku = 'SEED-16'")
            try await LiveAPI.catchUpProjections(test)
            #expect(
                try await test.scalar("SELECT count(*) FROM jobs WHERE kind = 'notification.deliver'", as: Int64.self)
                    > deliveries)
        }
    }

    @Test func refusalsNameTheKnownProjectorsAndTheReplayAlreadyRunning() async throws {
        try await TestDatabase.withDatabase { test in
            let environment = ["DATABASE_URL": test.url]
            let unknown = try await ERPProcess.run(["replay", "stock_level"], environment: environment)
            #expect(unknown.status == 1)
            #expect(
                unknown.errors.contains(
                    "no projector named 'stock_level'; known projectors: event_statistics, ledger, notifications, sales_register, stock_levels"
                )
            )

            try await test.withConnection { holder in
                try await holder.query(
                    "SELECT pg_advisory_lock(\(Int32(0x4552_5052)), hashtext('stock_levels'))", logger: test.logger)
                try await holder.query(
                    "INSERT INTO projection_replays (projector, holder, backend_pid, events_done, events_total) VALUES ('stock_levels', 'erp replay on shop-server (pid 4242)', pg_backend_pid(), 10, 100)",
                    logger: test.logger
                )
                let refused = try await ERPProcess.run(["replay", "stock_levels"], environment: environment)
                #expect(refused.status == 1)
                #expect(
                    refused.errors.contains(
                        "a replay of stock_levels is already running: erp replay on shop-server (pid 4242)"),
                    "\(refused.errors)")
                #expect(refused.errors.contains("10 of 100 events done"))
                let reset = try await ERPProcess.run(
                    ["projections", "reset", "stock_levels", "--yes"], environment: environment)
                #expect(reset.status == 1)
                #expect(reset.errors.contains("already running"))
                let status = try await ERPProcess.run(["projections", "status"], environment: environment)
                #expect(
                    status.output.contains("replay running: erp replay on shop-server (pid 4242): 10/100 events"),
                    "\(status.output)")
                // Another projector is not held.
                let other = try await ERPProcess.run(["replay", "event_statistics"], environment: environment)
                #expect(other.status == 0, "\(other.errors)")
            }
        }
    }

    @Test func verifyExitsNonZeroOnABreachAndZeroWhenClean() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 500)
            try await LiveAPI.catchUpProjections(test)
            let environment = ["DATABASE_URL": test.url]
            let clean = try await ERPProcess.run(["verify"], environment: environment)
            #expect(clean.status == 0, "\(clean.output)\(clean.errors)")
            #expect(clean.output.contains("all 20 invariants hold"), "\(clean.output)")

            let batch = try await test.scalar(
                "SELECT min(batch_id) FROM stock_on_hand WHERE quantity > 0", as: Int64.self)
            try await test.execute(
                """
                UPDATE stock_on_hand SET quantity = quantity - 1 WHERE batch_id = \(batch);
                UPDATE stock_valuation SET value_paise = value_paise + 7
                 WHERE (product_id, warehouse_id) = (SELECT product_id, warehouse_id FROM stock_valuation
                                                      WHERE on_hand > 0 ORDER BY 1, 2 LIMIT 1);
                INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('stock.teleported', 'stock', '1', '{}')
                """
            )
            let breached = try await ERPProcess.run(["verify", "--json"], environment: environment)
            #expect(breached.status == 1)
            struct Finding: Decodable { var name: String; var breachCount: Int; var breaches: [String] }
            let findings = try JSONDecoder().decode([Finding].self, from: Data(breached.output.utf8))
            let byName = Dictionary(uniqueKeysWithValues: findings.map { ($0.name, $0) })
            #expect(byName["stock_write_model_equals_events"]?.breachCount ?? 0 >= 1)
            #expect(byName["stock_write_model_equals_events"]?.breaches.first?.contains("batch \(batch)") == true)
            #expect(
                byName["known_event_types"]?.breaches == [
                    "stock.teleported: 1 events, first at position \(try await test.scalar("SELECT max(position) FROM events", as: Int64.self))"
                ])
            #expect(byName["stock_projection_equals_events"]?.breachCount == 0)
            // The planted value: the write model no longer equals its movements, nor the projection.
            let value = byName["stock_value_write_model_equals_events"]?.breaches ?? []
            #expect(value.contains { $0.contains("write model value") }, "\(value)")
            #expect(value.contains { $0.contains("write model on hand") }, "\(value)")
            #expect(byName["stock_value_projection_equals_write_model"]?.breachCount == 1)
        }
    }

    @Test func aStockEventWhoseMovementsCannotBeReadStallsStockLevelsNamingIt() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                """
                INSERT INTO events (type, aggregate_type, aggregate_id, payload)
                VALUES ('stock.issued', 'stock_issue', '1', '{"id": 1, "movements": [{"productId": 1, "warehouseId": 2}]}')
                """
            )
            let runner = ProjectorRunner(
                projector: StockLevelsProjector(), database: test.database,
                configuration: .init(maximumFailures: 1, retryDelay: .milliseconds(1)), logger: test.logger
            )
            try await test.withConnection { connection in
                #expect(try await runner.tryToBecomeActive(on: connection))
                // Other tests' transactions may hold the event above the horizon a while.
                try await eventually("stock_levels stalls") { try await runner.catchUp(on: connection) == .stalled }
            }
            let error = try await test.scalar(
                "SELECT last_error FROM projector_checkpoints WHERE name = 'stock_levels'", as: String.self)
            #expect(error.contains("is not a movement"), "\(error)")
        }
    }

    @Test func theEventTypeListMatchesTheTriggers() async throws {
        try await TestDatabase.withDatabase { test in
            let types = try await test.scalar(
                """
                SELECT array_agg(DISTINCT split_part(encode(t.tgargs, 'escape'), '\\000', 1))
                  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE p.oid = 'record_event'::regproc
                    OR obj_description(p.oid, 'pg_proc') LIKE 'document event trigger: %'
                """,
                as: [String].self
            )
            #expect(Set(types.map(EventType.init(rawValue:))) == Modules.list().catalog.all)
        }
    }

    @Test func pauseResumeAndResetSteerTheLiveRunner() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 300)
            let environment = ["DATABASE_URL": test.url]
            let pipeline = EventPipeline(
                projectors: Modules.list().projectors(), database: test.database,
                configuration: .init(pollInterval: .milliseconds(50)), logger: test.logger
            )
            let control = ProjectionControl(projectors: Modules.list().projectors(), logger: test.logger)
            func status(_ name: String) async throws -> ProjectionStatus? {
                try await test.withConnection { try await control.status(on: $0) }.first { $0.name == name }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                try await eventually("caught up") { try await status("stock_levels")?.lagEvents == 0 }

                let paused = try await ERPProcess.run(
                    ["projections", "pause", "stock_levels"], environment: environment)
                #expect(paused.output.contains("stock_levels paused"))
                // Past the runner's checkpoint recheck, then more events.
                try await Task.sleep(for: .milliseconds(1500))
                let stopped = try await status("stock_levels")?.checkpoint
                try await Self.seed(test, events: 200)
                try await eventually("the others keep up") { try await status("event_statistics")?.lagEvents == 0 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await status("stock_levels")?.checkpoint == stopped)
                #expect(try await status("stock_levels")?.state == "paused")

                let resumed = try await ERPProcess.run(
                    ["projections", "resume", "stock_levels"], environment: environment)
                #expect(resumed.output.contains("stock_levels resumed"))
                try await eventually("stock_levels catches up") { try await status("stock_levels")?.lagEvents == 0 }

                let unconfirmed = try await ERPProcess.run(
                    ["projections", "reset", "stock_levels"], environment: environment)
                #expect(unconfirmed.status == 1)
                #expect(unconfirmed.errors.contains("pass --yes"))
                let reset = try await ERPProcess.run(
                    ["projections", "reset", "stock_levels", "--yes"], environment: environment)
                #expect(reset.status == 0, "\(reset.errors)")
                // The runner, idle, notices the reset and rebuilds from the start.
                try await eventually("stock_levels rebuilt") { try await status("stock_levels")?.lagEvents == 0 }
                group.cancelAll()
            }
            for finding in try await Self.findings(test) {
                #expect(finding.holds, "\(finding.name): \(finding.breaches)")
            }
        }
    }

    @Test func aProjectorBehindItsCodeVersionShowsAndIsRebuilt() async throws {
        try await TestDatabase.withDatabase { test in
            try await Self.seed(test, events: 200)
            try await LiveAPI.catchUpProjections(test)
            struct NewerStockLevels: Projector {
                let base = StockLevelsProjector()
                var name: String { base.name }
                var eventTypes: Set<EventType>? { base.eventTypes }
                var payloadSQL: String? { base.payloadSQL }
                var version: Int { 2 }
                var tables: [ReadModelTable] { base.tables }
                func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
                    try await base.apply(events, in: transaction, logger: logger)
                }
            }
            let control = ProjectionControl(projectors: [NewerStockLevels()], logger: test.logger)
            let before = try await test.withConnection { try await control.status(on: $0) }.first {
                $0.name == "stock_levels"
            }
            #expect(before?.isBehindCode == true)
            #expect(before?.builtWithVersion == 1)
            _ = try await Fixtures.replay(test, NewerStockLevels())
            let after = try await test.withConnection { try await control.status(on: $0) }.first {
                $0.name == "stock_levels"
            }
            #expect(after?.isBehindCode == false)
            #expect(after?.builtWithVersion == 2)
        }
    }

    @Test func eventsListShowAndStatsReadAKnownLog() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                """
                INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata, recorded_at) VALUES
                    ('warehouse.created', 'warehouse', '1', '{"code": "MUM"}', '{"actor": "asha"}', '2026-11-01T10:00:00Z'),
                    ('product.created', 'product', '7', '{"sku": "ARN-30"}', '{"actor": "asha"}', '2026-11-02T10:00:00Z'),
                    ('product.updated', 'product', '7', '{"sku": "ARN-30C"}', '{"actor": "ravi"}', '2026-11-03T10:00:00Z'),
                    ('product.created', 'product', '8', '{"sku": "BEL-6"}', '{"actor": "ravi"}', '2026-11-04T10:00:00Z')
                """
            )
            try await LiveAPI.catchUpProjections(test, [EventStatisticsProjector()])
            let environment = ["DATABASE_URL": test.url]
            struct Listed: Decodable { var position: Int64; var type: String; var aggregateId: String }
            func list(_ arguments: [String]) async throws -> [Listed] {
                let result = try await ERPProcess.run(
                    ["events", "list", "--json"] + arguments, environment: environment)
                #expect(result.status == 0, "\(result.errors)")
                return try JSONDecoder().decode([Listed].self, from: Data(result.output.utf8))
            }
            #expect(try await list([]).map(\.position) == [1, 2, 3, 4])
            #expect(try await list(["--type", "product.created"]).map(\.aggregateId) == ["7", "8"])
            #expect(
                try await list(["--aggregate", "product:7"]).map(\.type) == ["product.created", "product.updated"])
            #expect(try await list(["--since", "2026-11-03"]).map(\.position) == [3, 4])
            #expect(try await list(["--from", "2", "--limit", "2"]).map(\.position) == [2, 3])
            let table = try await ERPProcess.run(["events", "list", "--limit", "1"], environment: environment)
            #expect(
                table.output.contains("warehouse.created") && table.output.contains("asha")
                    && table.output.contains("--from 2"))
            // Exactly as many as asked for, and none after them: no hint of more.
            let allOfType = try await ERPProcess.run(
                ["events", "list", "--type", "product.created", "--limit", "2"], environment: environment)
            #expect(
                allOfType.output.contains("product.created") && !allOfType.output.contains("--from"),
                "\(allOfType.output)")
            let firstOfType = try await ERPProcess.run(
                ["events", "list", "--type", "product.created", "--limit", "1"], environment: environment)
            #expect(firstOfType.output.contains("more with --from 3"))
            let badSince = try await ERPProcess.run(
                ["events", "list", "--since", "yesterday"], environment: environment)
            #expect(badSince.status != 0)
            #expect(badSince.errors.contains("--since must be a date"))

            let shown = try await ERPProcess.run(["events", "show", "3"], environment: environment)
            #expect(shown.output.contains("type:        product.updated"))
            #expect(shown.output.contains("\"sku\" : \"ARN-30C\""))
            let missing = try await ERPProcess.run(["events", "show", "99"], environment: environment)
            #expect(missing.status == 1)
            #expect(missing.errors.contains("no event at position 99"))

            let stats = try await ERPProcess.run(["events", "stats", "--json"], environment: environment)
            struct Stats: Decodable {
                struct Row: Decodable {
                    var type: String; var count: Int; var firstPosition: Int; var lastPosition: Int
                }
                var types: [Row]
                var uncountedEvents: Int
            }
            let decoded = try JSONDecoder().decode(Stats.self, from: Data(stats.output.utf8))
            #expect(decoded.uncountedEvents == 0)
            #expect(decoded.types.map(\.type) == ["product.created", "product.updated", "warehouse.created"])
            let created = decoded.types.first { $0.type == "product.created" }
            #expect(created?.count == 2 && created?.firstPosition == 2 && created?.lastPosition == 4)
        }
    }
}
