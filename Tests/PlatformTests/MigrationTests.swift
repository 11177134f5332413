import ERPApp
import ERPEvents
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
import Testing

@Suite struct MigrationTests {
    @Test func appliesOnAnEmptyDatabaseThenIsANoOp() async throws {
        try await TestDatabase.withDatabase(migrated: false) { test in
            try await test.withConnection { connection in
                let migrator = Migrator(logger: test.logger)
                let applied = try await migrator.migrate(on: connection)
                #expect(applied == Migration.embedded.map(\.path) + Definition.embedded.map(\.path))
                #expect(try await migrator.migrate(on: connection).isEmpty)
                #expect(try await migrator.pending(on: connection).isEmpty)
            }
            let recorded = try await test.scalar("SELECT count(*) FROM schema_migrations", as: Int.self)
            #expect(recorded == Migration.embedded.count)
            let eventsTable = try await test.scalar("SELECT to_regclass('events') IS NOT NULL", as: Bool.self)
            #expect(eventsTable)
        }
    }

    @Test func refusesAnAppliedFileThatWasEdited() async throws {
        try await TestDatabase.withDatabase { test in
            var edited = Migration.embedded
            edited[1].sql += "\n-- an innocent-looking edit\n"
            let migrator = Migrator(migrations: edited, logger: test.logger)
            await #expect {
                try await test.withConnection { try await migrator.migrate(on: $0) }
            } throws: { error in
                let message = "\(error)"
                return message.contains(edited[1].path) && message.contains("edited")
            }
        }
    }

    @Test func refusesADatabaseMigratedByANewerBuild() async throws {
        try await TestDatabase.withDatabase { test in
            let older = Migrator(migrations: Array(Migration.embedded.dropLast()), logger: test.logger)
            await #expect(throws: Migrator.Failure.self) {
                try await test.withConnection { try await older.migrate(on: $0) }
            }
        }
    }

    @Test func aFailingMigrationRollsBackAndNamesItsFile() async throws {
        try await TestDatabase.withDatabase { test in
            let broken = Migration(
                version: 9999, path: "sql/9999_broken.sql",
                sql: "CREATE TABLE half_done (id int);\nSELECT no_such_column FROM half_done;")
            let migrator = Migrator(migrations: Migration.embedded + [broken], logger: test.logger)
            await #expect {
                try await test.withConnection { try await migrator.migrate(on: $0) }
            } throws: { "\($0)".contains("sql/9999_broken.sql") }
            let tableGone = try await test.scalar("SELECT to_regclass('half_done') IS NULL", as: Bool.self)
            let recorded = try await test.scalar(
                "SELECT count(*) FROM schema_migrations WHERE version = 9999", as: Int.self)
            #expect(tableGone)
            #expect(recorded == 0)
        }
    }

    @Test func concurrentRunsApplyEachFileOnce() async throws {
        try await TestDatabase.withDatabase(migrated: false) { test in
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await test.withConnection { try await Migrator(logger: test.logger).migrate(on: $0).count }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == Migration.embedded.count + Definition.embedded.count)
            #expect(counts.filter { $0 > 0 }.count == 1)
        }
    }

    @Test func embeddedMigrationsAreNumberedUniquelyAndInOrder() {
        let versions = Migration.embedded.map(\.version)
        #expect(!versions.isEmpty)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
        #expect(Migration.embedded.allSatisfy { $0.path.hasPrefix("sql/") })
        #expect(Set(versions).isDisjoint(with: Migration.retired.keys))
    }

    @Test func definitionsComeAfterWhatTheyName() {
        let paths = Definition.embedded.map(\.path)
        #expect(paths.first == "triggers/event_log.sql")
        #expect(Set(paths).count == paths.count)
        for (index, definition) in Definition.embedded.enumerated() {
            let line = definition.sql.split(separator: "\n").first { $0.hasPrefix("-- after:") }
            for name in line?.dropFirst("-- after:".count).split(separator: " ") ?? [] {
                #expect(
                    paths.firstIndex(of: "triggers/\(name)").map { $0 < index } == true,
                    "\(definition.path) after \(name)")
            }
        }
    }

    @Test func aChangedDefinitionIsAppliedAgainAndOnlyIt() async throws {
        try await TestDatabase.withDatabase { test in
            var definitions = Definition.embedded
            let index = try #require(definitions.firstIndex { $0.path == "triggers/inventory.sql" })
            definitions[index].sql = definitions[index].sql.replacingOccurrences(
                of:
                    "CREATE OR REPLACE FUNCTION stock_document(document jsonb) RETURNS jsonb\nLANGUAGE plpgsql STABLE AS $$\nBEGIN",
                with:
                    "CREATE OR REPLACE FUNCTION stock_document(document jsonb) RETURNS jsonb\nLANGUAGE plpgsql STABLE AS $$\nBEGIN\n    -- edited",
            )
            let edited = Migrator(definitions: definitions, logger: test.logger)
            try await test.withConnection { connection in
                let pending = try await edited.pending(on: connection)
                let applied = try await edited.migrate(on: connection)
                #expect(pending == ["triggers/inventory.sql"])
                #expect(applied == ["triggers/inventory.sql"])
                #expect(try await edited.migrate(on: connection).isEmpty)
            }
            let body = try await test.scalar(
                "SELECT prosrc FROM pg_proc WHERE proname = 'stock_document'", as: String.self)
            #expect(body.contains("-- edited"))
            // Going back to the embedded text is a change too.
            let restored = try await test.withConnection { try await Migrator(logger: test.logger).migrate(on: $0) }
            #expect(restored == ["triggers/inventory.sql"])
        }
    }

    /// The old layout's trigger files, as the last build before repeatable definitions carried them.
    static func triggersBeforeDefinitions() throws -> [Migration] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appending(path: "Fixtures/triggers-before-definitions")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        return try names.map { name in
            let version = try #require(Int(name.prefix(4)))
            let sql = try String(contentsOf: folder.appending(path: name), encoding: .utf8)
            return Migration(version: version, path: "triggers/\(name)", sql: sql)
        }
    }

    @Test func aDatabaseOfTheOldLayoutMigratesForwardToTheSameSchema() async throws {
        let old = try Self.triggersBeforeDefinitions()
        #expect(Set(old.map(\.version)) == Set(Migration.retired.keys))
        try await TestDatabase.withDatabase { current in
            try await TestDatabase.withDatabase(migrated: false) { test in
                // sql/ as that build had it: the files up to its last number, unchanged since.
                let numbered = Migration.embedded.filter { $0.version < 24 }
                let before = Migrator(migrations: numbered + old, definitions: [], retired: [:], logger: test.logger)
                try await test.withConnection { connection in
                    _ = try await before.migrate(on: connection)
                    // Records through the old triggers, and notifications the old expiry scan and an
                    // operator wrote, as a live database would have them.
                    try await connection.query(
                        "INSERT INTO warehouses (code, name, state_code) VALUES ('MAIN', 'Main', '27')",
                        logger: test.logger
                    )
                    for statement in SQLScript.statements(in: Self.oldNotifications) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: test.logger)
                    }
                    let applied = try await Migrator(logger: test.logger).migrate(on: connection)
                    #expect(
                        applied == Migration.embedded.filter { $0.version >= 24 }.map(\.path)
                            + Definition.embedded.map(\.path))
                    #expect(try await Migrator(logger: test.logger).pending(on: connection).isEmpty)
                }
                #expect(try await Self.schema(of: test) == Self.schema(of: current))
                try await test.execute("UPDATE warehouses SET name = 'Main store' WHERE code = 'MAIN'")
                let types = try await test.scalar(
                    "SELECT string_agg(type, ',' ORDER BY position) FROM events WHERE type LIKE 'warehouse.%'",
                    as: String.self
                )
                #expect(types == "warehouse.created,warehouse.updated")
                // The scan's notification and the acknowledgement became events of the new shape.
                let events = try await test.withConnection { connection in
                    try await connection.rows(
                        "SELECT position, type, payload::text FROM events ORDER BY position",
                        as: (Int64, String, String).self,
                        logger: test.logger
                    ).map { position, type, payload in
                        RecordedEvent(
                            position: position, tx: 0, type: EventType(rawValue: type), aggregateType: "",
                            aggregateID: "",
                            payload: payload, metadata: "{}", recordedAt: Date()
                        )
                    }
                }
                let findings = try events.filter { $0.type == InventoryEvents.batchExpiryDetected }
                    .map { try $0.decodePayload(as: BatchExpiryFinding.self) }
                #expect(findings.map(\.batchNumber) == ["OLD-1"])
                #expect(findings.first?.finding == .expired)
                let acknowledgements = try events.filter { $0.type == NotificationsEvents.acknowledged }
                    .map { try $0.decodePayload(as: NotificationAcknowledgement.self) }
                #expect(acknowledgements.map(\.acknowledgedBy) == ["asha"])
                // A rebuild keeps the scan's notification.
                _ = try await Fixtures.replay(test, NotificationsProjector())
                let rebuilt = try await test.scalar(
                    "SELECT string_agg(kind || ' ' || status, ', ' ORDER BY id) FROM notifications", as: String.self
                )
                #expect(rebuilt == "batch_expired open")
            }
        }
    }

    /// A product with an expired batch in stock, the old scan's notification of it, and an
    /// acknowledged notification (whose raising event the rebuild would not find).
    static let oldNotifications = """
        INSERT INTO products (sku, name, potency, form, pack_size, pack_unit, hsn_code, mrp_paise)
        VALUES ('ARN-30C', 'Arnica', '30C', 'dilution', 30, 'ml', '30049014', 10000);
        INSERT INTO batches (product_id, batch_number, expires_on, mrp_paise)
        SELECT id, 'OLD-1', business_date() - 2, 10000 FROM products;
        INSERT INTO notifications (kind, subject, product_id, warehouse_id, batch_id, message, details, raised_at)
        SELECT 'batch_expired', 'batch_expired:' || b.id || ':' || w.id, b.product_id, w.id, b.id,
               'batch OLD-1 of Arnica (ARN-30C) expired', '{"quantity": 4, "daysLeft": -2, "scan": true}', now()
          FROM batches b, warehouses w;
        INSERT INTO notifications (kind, subject, product_id, warehouse_id, message, event_position, raised_at,
                                   status, acknowledged_at, acknowledged_by)
        SELECT 'below_reorder', 'below_reorder:' || p.id || ':' || w.id || ':1', p.id, w.id, 'below', 1, now(),
               'acknowledged', now(), 'asha'
          FROM products p, warehouses w;
        """

    /// Every function's definition, every trigger and every column, as text to compare.
    static func schema(of test: TestDatabase) async throws -> [String] {
        try await test.withConnection { connection in
            try await connection.rows(
                """
                SELECT pg_get_functiondef(p.oid) FROM pg_proc p
                 WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
                UNION ALL
                SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
                 WHERE NOT t.tgisinternal AND t.tgrelid::regclass::text NOT LIKE 'pg_%'
                UNION ALL
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
                       || COALESCE(column_default, '')
                  FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
                UNION ALL
                SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
                ORDER BY 1
                """,
                as: String.self, logger: test.logger
            )
        }
    }
}

@Suite struct SQLScriptTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (note text DEFAULT 'x;y', "odd;name" int);
            /* block; /* nested; */ still comment */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' $body$;
            SELECT E'it\\'s; fine', 'it''s; fine';
            SELECT $1::int;
            ;;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix(#"CREATE TABLE a (note text DEFAULT 'x;y', "odd;name" int)"#))
        #expect(statements[1].hasSuffix("BEGIN RETURN 1; END $$"))
        #expect(statements[2].hasSuffix("$body$ SELECT 'a;b' $body$"))
        #expect(statements[3].hasSuffix(#"SELECT E'it\'s; fine', 'it''s; fine'"#))
        #expect(statements[4].hasSuffix("SELECT $1::int"))
    }

    @Test func dropsCommentOnlyTails() {
        #expect(SQLScript.statements(in: "SELECT 1; -- done\n").count == 1)
        #expect(SQLScript.statements(in: "   \n-- nothing\n").isEmpty)
    }
}

@Suite struct DatabaseConfigurationTests {
    @Test func parsesAFullURL() throws {
        let configuration = try DatabaseConfiguration(
            url: "postgresql://app:s%40cret@db.example:6432/erp?sslmode=require")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6432)
        #expect(configuration.username == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == "erp")
        #expect(configuration.tlsMode == .require)
        #expect(!configuration.redactedURL.contains("cret"))
    }

    @Test(arguments: [
        ("", "empty"),
        ("mysql://u@h/db", "scheme"),
        ("postgres://u@h", "no database"),
        ("postgres://h/db", "no user"),
        ("postgres://u@h:99999/db", "port"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode"),
        ("postgres://u@h/db?colour=blue", "colour"),
    ])
    func namesTheProblemWithABadURL(url: String, problem: String) {
        #expect {
            try DatabaseConfiguration(url: url)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }
}
