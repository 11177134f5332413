// Statements planned once per connection, for the hot command paths: PostgresNIO prepares
// each on its first use on a connection, then only binds and executes it.
import Crypto
import ERPKernel
public import Logging
public import PostgresNIO

extension PostgresConnection {
    /// Runs `query` as a statement prepared on this connection and returns every row
    /// decoded as `type`.
    ///
    /// The statement is named by its SQL and the types of its values, so a call site
    /// whose SQL never changes prepares once per connection (and once more for each
    /// pattern of NULLs it binds). Use it for fixed SQL that runs often; a statement that
    /// fails to prepare keeps failing on that connection, so never send one after an error
    /// in the same transaction.
    public func preparedRows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        var rows: [(repeat each Column)] = []
        for try await row in try await prepared(query, logger: logger) { rows.append(try row.decode(type)) }
        return rows
    }

    /// The first column of the first row of the prepared `query`, if there is one.
    public func preparedValue<Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: Column.Type, logger: Logger
    ) async throws -> Column? {
        for try await row in try await prepared(query, logger: logger) { return try row.decode(type) }
        return nil
    }

    /// Runs the prepared `query`, whose rows do not matter; returns how many it returned.
    @discardableResult
    public func preparedExecute(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await prepared(query, logger: logger) { count += 1 }
        return count
    }

    /// An `INSERT … RETURNING id`, prepared; returns the id.
    public func preparedInsertReturningID(_ query: PostgresQuery, logger: Logger) async throws -> Int64 {
        guard let id = try await preparedValue(query, as: Int64.self, logger: logger) else {
            throw CommandError(.notFound, "the insert returned no row")
        }
        return id
    }

    private func prepared(_ query: PostgresQuery, logger: Logger) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow>
    {
        let statement = PreparedQuery.Statement(query)
        return try await PreparedQuery.$current.withValue(statement) {
            try await execute(PreparedQuery(bindings: query.binds), logger: logger)
        }
    }
}

/// PostgresNIO's prepared statements take their name and SQL from the statement's type;
/// this one type carries any fixed SQL, read from the calling task while `execute` runs.
private struct PreparedQuery: PostgresPreparedStatement {
    struct Statement: Sendable {
        var name: String
        var sql: String

        /// `erp_` and 128 bits of SHA-256 over the SQL and the types bound to it. The types
        /// are read from the bindings' debug description, which masks the values of
        /// interpolated (protected) bindings as `****` and shows each one's type: the only
        /// public view of them. A NULL binds no type and lets the server infer one, which
        /// a later value of another type would not fit, so each pattern of NULLs is a
        /// statement of its own.
        init(_ query: PostgresQuery) {
            var hash = SHA256()
            hash.update(data: Array(query.sql.utf8))
            hash.update(data: Array(String(reflecting: query.binds).utf8))
            name = "erp_" + Array(hash.finalize().prefix(16)).hexadecimal
            sql = query.sql
        }

        init(name: String, sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    @TaskLocal static var current = Statement(name: "", sql: "")

    static var name: String { current.name }
    static var sql: String { current.sql }

    var bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
