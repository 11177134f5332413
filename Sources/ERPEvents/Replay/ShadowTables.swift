// The copies of a projector's tables that a replay builds, and how they meet the live ones.
import ERPStore
import Foundation
import Logging
import PostgresNIO

/// A projector's read-model tables copied empty into a schema of their own,
/// `replay_<projector>`. A replay runs the projector with that schema first on the
/// search path, so the projector's unqualified writes land in the copies while the
/// live tables keep serving.
///
/// The copies take columns, defaults, constraints and indexes from the live tables
/// (`LIKE … INCLUDING ALL`) but not their triggers: whatever a live table's trigger
/// sends out (webhook deliveries) cannot fire while the copies are built.
struct ShadowTables {
    /// A table or column name that cannot be used as an identifier as it is.
    struct InvalidName: Error, CustomStringConvertible {
        var name: String
        var description: String { "'\(name)' is not a plain lowercase SQL name" }
    }

    let projector: String
    let tables: [ReadModelTable]
    let logger: Logger

    /// The schema holding the copies.
    let schema: String

    init(projector: String, tables: [ReadModelTable], logger: Logger) throws {
        for name in [projector] + tables.map(\.name) where !Self.isPlainName(name) {
            throw InvalidName(name: name)
        }
        self.projector = projector
        self.tables = tables
        self.logger = logger
        self.schema = "replay_\(projector)"
    }

    /// Names are interpolated into DDL, so they are held to what our migrations use.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
        return name.utf8.count <= 50
            && name.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
            }
    }

    private func live(_ table: ReadModelTable) -> String { "public.\(table.name)" }
    private func copy(_ table: ReadModelTable) -> String { "\(schema).\(table.name)" }

    /// Creates empty copies, dropping what an interrupted replay left behind.
    func create(on connection: PostgresConnection) async throws {
        try await connection.inTransaction(logger: logger) { transaction in
            try await transaction.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
            try await transaction.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
            for table in tables {
                try await transaction.query(
                    "CREATE TABLE \(unescaped: copy(table)) (LIKE \(unescaped: live(table)) INCLUDING ALL)",
                    logger: logger
                )
            }
        }
    }

    /// Puts the copies first on `connection`'s search path: the projector writes into them.
    func route(_ connection: PostgresConnection) async throws {
        try await connection.query("SELECT set_config('search_path', \(schema) || ', public', false)", logger: logger)
    }

    /// Gives the planner statistics on the copies before they serve reads.
    func analyze(on connection: PostgresConnection) async throws {
        for table in tables {
            try await connection.query("ANALYZE \(unescaped: copy(table))", logger: logger)
        }
    }

    /// Drops the copies (and the schema), whatever state they are in.
    func drop(on connection: PostgresConnection) async throws {
        try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
        try await connection.query("SET search_path TO DEFAULT", logger: logger)
    }

    /// Locks the live tables against the live runner: `exclusive` also against readers
    /// (for a swap), otherwise against writers only (to compare).
    func lockLive(exclusive: Bool, in transaction: PostgresConnection) async throws {
        let names = tables.map(live).joined(separator: ", ")
        try await transaction.query(
            "LOCK TABLE \(unescaped: names) IN \(unescaped: exclusive ? "ACCESS EXCLUSIVE" : "SHARE") MODE",
            logger: logger
        )
    }

    /// Puts the copies in place of the live tables; call it in the transaction that
    /// locked them with ``lockLive(exclusive:in:)`` and moves the checkpoint.
    ///
    /// Each live table is dropped and its copy moved into `public` under the same index
    /// names and with the same triggers.
    func swap(in transaction: PostgresConnection) async throws {
        for table in tables {
            try await replace(table, in: transaction)
        }
    }

    private func replace(_ table: ReadModelTable, in transaction: PostgresConnection) async throws {
        // LIKE names explicitly named indexes after their columns; give them the live names back.
        let renames = try await transaction.rows(
            """
            SELECT c.indexname, l.indexname
              FROM pg_indexes c
              JOIN pg_indexes l
                ON regexp_replace(c.indexdef, '^(CREATE (UNIQUE )?INDEX) \\S+ ON \\S+', '\\1')
                 = regexp_replace(l.indexdef, '^(CREATE (UNIQUE )?INDEX) \\S+ ON \\S+', '\\1')
             WHERE c.schemaname = \(schema) AND c.tablename = \(table.name)
               AND l.schemaname = 'public' AND l.tablename = \(table.name)
               AND c.indexname <> l.indexname
            """,
            as: (String, String).self, logger: logger
        )
        for (copied, original) in renames {
            try await transaction.query(
                "ALTER INDEX \(unescaped: schema).\(unescaped: quoted(copied)) RENAME TO \(unescaped: quoted(original))",
                logger: logger
            )
        }
        let triggers = try await transaction.rows(
            """
            SELECT pg_get_triggerdef(oid) FROM pg_trigger
             WHERE tgrelid = \(live(table))::regclass AND NOT tgisinternal
             ORDER BY tgname
            """,
            as: String.self, logger: logger
        )
        try await transaction.query("DROP TABLE \(unescaped: live(table))", logger: logger)
        try await transaction.query("ALTER TABLE \(unescaped: copy(table)) SET SCHEMA public", logger: logger)
        // Each definition names the table as public.<name>: now the new one.
        for definition in triggers {
            try await transaction.query(PostgresQuery(unsafeSQL: definition), logger: logger)
        }
    }

    /// Rows where the copies and the live tables differ, first `limit` of them, and the count.
    ///
    /// Each table is compared row by row on its primary key.
    func differences(limit: Int, in connection: PostgresConnection) async throws -> (
        rows: [ProjectionDifference], count: Int
    ) {
        var found: [ProjectionDifference] = []
        var count = 0
        for table in tables {
            let key = try await primaryKey(of: table, in: connection)
            let match = key.map { "l.\($0) = r.\($0)" }.joined(separator: " AND ")
            let label = key.map { "'\($0)=' || COALESCE(l.\($0), r.\($0))" }.joined(separator: " || ', ' || ")
            let order = key.map { "COALESCE(l.\($0), r.\($0))" }.joined(separator: ", ")
            let query: PostgresQuery = """
                SELECT \(unescaped: label), to_jsonb(l)::text, to_jsonb(r)::text, count(*) OVER ()
                  FROM \(unescaped: live(table)) l
                  FULL JOIN \(unescaped: copy(table)) r ON \(unescaped: match)
                 WHERE to_jsonb(l) IS DISTINCT FROM to_jsonb(r)
                 ORDER BY \(unescaped: order)
                 LIMIT \(limit)
                """
            var tableCount = 0
            for (key, live, rebuilt, total) in try await connection.rows(
                query, as: (String, String?, String?, Int).self, logger: logger)
            {
                tableCount = total
                if found.count < limit {
                    found.append(ProjectionDifference(table: table.name, key: key, live: live, rebuilt: rebuilt))
                }
            }
            count += tableCount
        }
        return (found, count)
    }

    /// The primary key's columns of the live table, in key order.
    private func primaryKey(of table: ReadModelTable, in connection: PostgresConnection) async throws -> [String] {
        let columns = try await connection.rows(
            """
            SELECT a.attname::text
              FROM pg_index i
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = \(live(table))::regclass AND i.indisprimary
             ORDER BY array_position(i.indkey::int2[], a.attnum)
            """,
            as: String.self, logger: logger
        )
        guard !columns.isEmpty, columns.allSatisfy(Self.isPlainName) else {
            throw InvalidName(name: "\(table.name) primary key")
        }
        return columns
    }

    private func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One row where a rebuilt read model and the live one differ.
public struct ProjectionDifference: Sendable, Codable, Equatable {
    /// The table.
    public var table: String
    /// The row's key, e.g. `product_id=1, warehouse_id=2`.
    public var key: String
    /// The live row as JSON, or `nil` when only the rebuild has it.
    public var live: String?
    /// The rebuilt row as JSON, or `nil` when only the live table has it.
    public var rebuilt: String?
}
