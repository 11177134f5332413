import ERPStore
import PostgresNIO
import Testing

@Suite struct MigrationTests {
    @Test func appliesOnAnEmptyDatabaseThenIsANoOp() async throws {
        try await TestDatabase.withDatabase(migrated: false) { test in
            try await test.withConnection { connection in
                let migrator = Migrator(logger: test.logger)
                let applied = try await migrator.migrate(on: connection)
                #expect(applied.map(\.version) == Migration.embedded.map(\.version))
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
            let broken = Migration(version: 9999, path: "sql/9999_broken.sql", sql: "CREATE TABLE half_done (id int);\nSELECT no_such_column FROM half_done;")
            let migrator = Migrator(migrations: Migration.embedded + [broken], logger: test.logger)
            await #expect {
                try await test.withConnection { try await migrator.migrate(on: $0) }
            } throws: { "\($0)".contains("sql/9999_broken.sql") }
            let tableGone = try await test.scalar("SELECT to_regclass('half_done') IS NULL", as: Bool.self)
            let recorded = try await test.scalar("SELECT count(*) FROM schema_migrations WHERE version = 9999", as: Int.self)
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
            #expect(counts.reduce(0, +) == Migration.embedded.count)
            #expect(counts.filter { $0 > 0 }.count == 1)
        }
    }

    @Test func embeddedMigrationsAreNumberedUniquelyAndInOrder() {
        let versions = Migration.embedded.map(\.version)
        #expect(!versions.isEmpty)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
        #expect(Migration.embedded.contains { $0.path.hasPrefix("triggers/") })
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
        let configuration = try DatabaseConfiguration(url: "postgresql://app:s%40cret@db.example:6432/erp?sslmode=require")
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
