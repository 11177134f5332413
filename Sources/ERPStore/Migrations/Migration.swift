// One numbered schema file from sql/ or triggers/.

/// A schema change, applied once, in version order, in its own transaction.
public struct Migration: Sendable, Hashable {
    /// The number its file name starts with, unique across sql/ and triggers/.
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

    /// The migrations compiled into this binary from sql/ and triggers/, in order.
    public static let embedded: [Migration] = EmbeddedMigrations.files.map {
        Migration(version: $0.version, path: $0.path, sql: $0.sql)
    }
}
