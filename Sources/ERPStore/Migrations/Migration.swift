// The schema files this binary carries: numbered migrations from sql/ and repeatable
// definitions from triggers/.
import Crypto
import ERPKernel

/// A schema change, applied once, in version order, in its own transaction.
public struct Migration: Sendable, Hashable {
    /// The number its file name starts with, unique in sql/.
    public var version: Int
    /// Where the file lives in the source tree, e.g. `sql/0001_event_log.sql`.
    public var path: String
    /// The file's text.
    public var sql: String

    /// Creates a migration; production code uses ``embedded`` instead.
    public init(version: Int, path: String, sql: String) {
        self.version = version
        self.path = path
        self.sql = sql
    }

    /// The migrations compiled into this binary from sql/, in order.
    public static let embedded: [Migration] = EmbeddedMigrations.files.map {
        Migration(version: $0.version, path: $0.path, sql: $0.sql)
    }

    /// Numbered files a database may have applied that this binary no longer carries:
    /// the trigger files of the layout before repeatable definitions. What they defined
    /// lives on in triggers/<module>.sql, so a database that applied them migrates
    /// forward by applying those definitions. Their numbers are never used again.
    public static let retired: [Int: String] = [
        4: "triggers/0004_record_event.sql",
        7: "triggers/0007_master_data_events.sql",
        10: "triggers/0010_inventory_events.sql",
        15: "triggers/0015_background_work_triggers.sql",
        17: "triggers/0017_replay_suppresses_side_effects.sql",
        18: "triggers/0018_document_functions_keep_plans.sql",
        21: "triggers/0021_master_data_updates.sql",
        23: "triggers/0023_purchase_order_edits.sql",
    ]
}

/// A repeatable schema file: functions (`CREATE OR REPLACE`) and triggers (dropped and
/// created), applied after the numbered migrations and again whenever its text changes.
/// Each function's current definition lives in exactly one such file.
public struct Definition: Sendable, Hashable {
    /// Where the file lives, e.g. `triggers/inventory.sql`.
    public var path: String
    /// The file's text.
    public var sql: String

    /// Creates a definition; production code uses ``embedded`` instead.
    public init(path: String, sql: String) {
        self.path = path
        self.sql = sql
    }

    /// The hex SHA-256 of the text, as `schema_definitions` records it.
    public var checksum: String {
        SHA256.hash(data: Array(sql.utf8)).hexadecimal
    }

    /// The definitions compiled into this binary from triggers/, each after those it
    /// names on its `-- after:` line.
    public static let embedded: [Definition] = EmbeddedMigrations.definitions.map {
        Definition(path: $0.path, sql: $0.sql)
    }
}
