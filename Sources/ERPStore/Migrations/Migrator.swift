// Applies schema migrations and repeatable definitions, refusing edited history and
// serializing concurrent starts.
public import Logging
public import PostgresNIO

/// Brings a database's schema up to the migrations this binary carries.
public struct Migrator: Sendable {
    /// A reason the schema cannot be brought up to date.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String
    }

    /// Advisory lock key shared by every process that migrates ("ERPMIGR" in ASCII).
    static let lockKey: Int64 = 0x45_52_50_4D_49_47_52

    /// The migrations to apply, in version order.
    public let migrations: [Migration]
    /// The repeatable definitions, in the order they are applied.
    public let definitions: [Definition]
    /// Versions a database may have applied that are no longer carried (``Migration/retired``).
    let retired: [Int: String]
    let logger: Logger

    /// Creates a migrator for `migrations` and `definitions` (the embedded ones by default).
    public init(
        migrations: [Migration] = Migration.embedded, definitions: [Definition] = Definition.embedded,
        retired: [Int: String] = Migration.retired, logger: Logger
    ) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.definitions = definitions
        self.retired = retired
        self.logger = logger
    }

    /// Applies every migration the database has not seen, then every definition whose
    /// text differs from the one last applied, each file in its own transaction.
    ///
    /// Holds a session advisory lock for the whole run, so two processes starting at
    /// once apply each file once: the second waits, then finds nothing to do.
    ///
    /// - Parameter connection: A connection that is not inside a transaction.
    /// - Returns: The paths of the files applied by this call, empty when the schema was current.
    /// - Throws: ``Failure`` when an applied file was edited or the database is newer
    ///   than this binary; a database error when a migration fails (it is rolled back).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
        do {
            let applied = try await applyPending(on: connection)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            return applied
        } catch {
            // A failed statement leaves no transaction open (inTransaction rolled it back).
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            throw error
        }
    }

    /// The paths of the files the database lacks: migrations it has not applied, then
    /// definitions whose applied text differs from this binary's.
    ///
    /// - Throws: ``Failure`` when an applied file was edited or is unknown to this binary.
    public func pending(on connection: PostgresConnection) async throws -> [String] {
        let (migrations, definitions) = try await pendingFiles(on: connection)
        return migrations.map(\.path) + definitions.map(\.path)
    }

    private func pendingFiles(on connection: PostgresConnection) async throws -> ([Migration], [Definition]) {
        let history = try await appliedHistory(on: connection)
        try await verify(history, on: connection)
        let appliedVersions = Set(history.map(\.version))
        let applied = try await appliedDefinitions(on: connection)
        return (
            migrations.filter { !appliedVersions.contains($0.version) },
            definitions.filter { applied[$0.path] != $0.checksum }
        )
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [String] {
        try await createHistoryTables(on: connection)
        let (migrations, definitions) = try await pendingFiles(on: connection)
        for migration in migrations {
            try await apply(migration.sql, from: migration.path, on: connection) { transaction in
                try await transaction.query(
                    """
                    INSERT INTO schema_migrations (version, path, checksum)
                    VALUES (\(migration.version), \(migration.path), encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                    """,
                    logger: logger
                )
            }
        }
        for definition in definitions {
            try await apply(definition.sql, from: definition.path, on: connection) { transaction in
                try await transaction.query(
                    """
                    INSERT INTO schema_definitions (path, checksum) VALUES (\(definition.path), \(definition.checksum))
                    ON CONFLICT (path) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()
                    """,
                    logger: logger
                )
            }
        }
        return migrations.map(\.path) + definitions.map(\.path)
    }

    /// Runs one file's statements and `record` in one transaction.
    private func apply(
        _ sql: String, from path: String, on connection: PostgresConnection,
        record: (PostgresConnection) async throws -> Void
    ) async throws {
        logger.info("applying schema file", metadata: ["file": "\(path)"])
        let statements = SQLScript.statements(in: sql)
        do {
            try await connection.inTransaction(logger: logger) { transaction in
                for statement in statements {
                    try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await record(transaction)
            }
        } catch {
            let cause = error
            if let failure = cause as? PSQLError, failure.isConnectionFailure { throw cause }
            throw Failure(description: "migration \(path) failed and was rolled back: \(databaseErrorMessage(cause))")
        }
    }

    private struct AppliedMigration {
        var version: Int
        var path: String
        var checksum: String
    }

    private func createHistoryTables(on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_definitions (
                path        text        PRIMARY KEY,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer     PRIMARY KEY,
                path        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }

    private func appliedHistory(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        let exists = try await connection.query(
            "SELECT to_regclass('schema_migrations') IS NOT NULL",
            logger: logger
        )
        for try await tableExists in exists.decode(Bool.self) where !tableExists { return [] }
        let rows = try await connection.query(
            "SELECT version, path, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        var history: [AppliedMigration] = []
        for try await (version, path, checksum) in rows.decode((Int, String, String).self) {
            history.append(AppliedMigration(version: version, path: path, checksum: checksum))
        }
        return history
    }

    /// The checksum of each definition as last applied.
    private func appliedDefinitions(on connection: PostgresConnection) async throws -> [String: String] {
        let exists =
            try await connection.value(
                "SELECT to_regclass('schema_definitions') IS NOT NULL", as: Bool.self, logger: logger
            ) ?? false
        guard exists else { return [:] }
        let rows = try await connection.rows(
            "SELECT path, checksum FROM schema_definitions", as: (String, String).self, logger: logger)
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Refuses a history that this binary's files do not reproduce.
    private func verify(_ history: [AppliedMigration], on connection: PostgresConnection) async throws {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for applied in history where retired[applied.version] == nil {
            guard let migration = byVersion[applied.version] else {
                throw Failure(
                    description: "the database has migration \(applied.path) (version \(applied.version)), "
                        + "which this binary does not carry: it was migrated by a newer build"
                )
            }
            // SHA-256 of the text, computed by the server so the binary needs no crypto library.
            let rows = try await connection.query(
                "SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex')",
                logger: logger
            )
            var checksum = ""
            for try await value in rows.decode(String.self) { checksum = value }
            guard checksum == applied.checksum else {
                throw Failure(
                    description: "\(migration.path) was edited after it was applied (checksum differs); "
                        + "applied migrations are history: add a new numbered file instead"
                )
            }
        }
    }
}
