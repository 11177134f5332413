// The throwaway database a benchmark run works in.
import ERPStore
import Logging
import PostgresNIO

/// `erp_bench` on the benchmark server: migrated, plus two tables whose inserts record events.
struct BenchDatabase {
    static let name = "erp_bench"

    let server: DatabaseConfiguration
    let database: Database
    let logger: Logger
    /// When the database is kept for a look afterwards, pgbench's scripts are written here too.
    var scriptsFolder: String? = nil

    /// Drops any leftover `erp_bench`, creates and migrates it, and adds the bench tables.
    static func create(on server: DatabaseConfiguration, logger: Logger) async throws -> BenchDatabase {
        let bench = BenchDatabase(
            server: server, database: Database(configuration: server.with(database: name), logger: logger),
            logger: logger)
        try await bench.admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        try await bench.database.withConnection(as: "erp-bench") { connection in
            try await Migrator(logger: logger).migrate(on: connection)
            for statement in schema {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        return bench
    }

    /// Tables written by the latency writers and the backlog, and read models of the bench projectors.
    private static let schema = [
        "CREATE TABLE bench_items (id bigserial PRIMARY KEY, note text NOT NULL)",
        """
        CREATE TRIGGER bench_items_event AFTER INSERT ON bench_items
            FOR EACH ROW EXECUTE FUNCTION record_event('bench.item_added', 'bench_item')
        """,
        "CREATE TABLE bench_backlog (id bigserial PRIMARY KEY, note text NOT NULL)",
        """
        CREATE TRIGGER bench_backlog_event AFTER INSERT ON bench_backlog
            FOR EACH ROW EXECUTE FUNCTION record_event('bench.backlog_added', 'bench_backlog')
        """,
        "CREATE TABLE bench_projected (id bigint PRIMARY KEY)",
        "CREATE TABLE bench_counter (events bigint NOT NULL)",
        "INSERT INTO bench_counter VALUES (0)",
    ]

    func drop() async throws {
        try await admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.name) WITH (FORCE)"), logger: logger)
        }
    }

    func serverVersion() async throws -> String {
        try await database.withConnection(as: "erp-bench") { connection in
            let rows = try await connection.query("SHOW server_version", logger: logger)
            for try await version in rows.decode(String.self) { return version }
            return "unknown"
        }
    }

    private func admin(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        try await Database(configuration: server, logger: logger).withConnection(as: "erp-bench-admin", body)
    }
}
