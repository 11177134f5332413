// Statements planned once per connection, for the hot command paths: PostgresNIO prepares
// each on its first use on a connection, then only binds and executes it.
import Crypto
import ERPKernel
public import Logging
public import PostgresNIO

/// Fixed SQL with its values, for a statement prepared once per connection.
///
/// Written like a `PostgresQuery`: each interpolated value becomes a parameter. Unlike
/// one, it records each parameter's type, including a `nil`'s (the type of the optional),
/// and declares them when the statement is prepared. Left to infer, the server would
/// take `$1::jsonb` for a jsonb parameter and `financial_year = $1` for an integer one,
/// which the text and bigint values bound later would not fit.
public struct PreparedSQL: ExpressibleByStringInterpolation, Sendable {
    /// The SQL, with `$1`, `$2`, … for the values.
    public var sql: String
    /// The values.
    public var binds: PostgresBindings
    /// The type of each value, in order.
    public var types: [PostgresDataType]

    /// SQL without values.
    public init(stringLiteral value: String) {
        sql = value
        binds = PostgresBindings()
        types = []
    }

    /// SQL with interpolated values.
    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
        types = stringInterpolation.types
    }

    /// Builds the SQL and its typed parameters.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var binds = PostgresBindings()
        var types: [PostgresDataType] = []

        /// Starts an empty statement.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + 3 * interpolationCount)
        }

        /// SQL text.
        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// SQL text from the program, never from a request: a table or function name.
        public mutating func appendInterpolation(unescaped text: String) { sql += text }

        /// A value, as the next parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) throws {
            try binds.append(value)
            types.append(Value.psqlType)
            sql += "$\(types.count)"
        }

        /// A value or NULL, as the next parameter of the optional's type.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) throws {
            try binds.append(value)
            types.append(Value.psqlType)
            sql += "$\(types.count)"
        }
    }
}

extension PostgresConnection {
    /// Runs `query` as a statement prepared on this connection and returns every row
    /// decoded as `type`.
    ///
    /// The statement is named by its SQL and its parameters' types, so a call site whose
    /// SQL never changes prepares once per connection. Use it for fixed SQL that runs
    /// often. PostgresNIO keeps a statement that failed to prepare as failed on that
    /// connection, so never send one after an error in the same transaction (it would
    /// fail to prepare because the transaction is aborted).
    public func preparedRows<each Column: PostgresDecodable & Sendable>(
        _ query: PreparedSQL, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        var rows: [(repeat each Column)] = []
        for try await row in try await prepared(query, logger: logger) { rows.append(try row.decode(type)) }
        return rows
    }

    /// The first column of the first row of the prepared `query`, if there is one.
    public func preparedValue<Column: PostgresDecodable & Sendable>(
        _ query: PreparedSQL, as type: Column.Type, logger: Logger
    ) async throws -> Column? {
        for try await row in try await prepared(query, logger: logger) { return try row.decode(type) }
        return nil
    }

    /// Runs the prepared `query`, whose rows do not matter; returns how many it returned.
    @discardableResult
    public func preparedExecute(_ query: PreparedSQL, logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await prepared(query, logger: logger) { count += 1 }
        return count
    }

    /// An `INSERT … RETURNING id`, prepared; returns the id.
    public func preparedInsertReturningID(_ query: PreparedSQL, logger: Logger) async throws -> Int64 {
        guard let id = try await preparedValue(query, as: Int64.self, logger: logger) else {
            throw CommandError(.notFound, "the insert returned no row")
        }
        return id
    }

    private func prepared(_ query: PreparedSQL, logger: Logger) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow>
    {
        do {
            return try await PreparedQuery.$current.withValue(PreparedQuery.Statement(query)) {
                try await execute(PreparedQuery(bindings: query.binds), logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "25P02" {
            // Sent after an error in its transaction: if this was the statement's first use
            // here, PostgresNIO now holds it as failed for this connection's lifetime.
            // Closing the connection (its transaction is lost anyway) lets the pool open a
            // fresh one instead of failing this statement on it for ever.
            logger.warning("a prepared statement was sent in an aborted transaction; closing the connection")
            try? await close()
            throw error
        }
    }
}

/// PostgresNIO's prepared statements take their name, SQL and parameter types from the
/// statement's type; this one type carries any fixed SQL, read from the calling task
/// while `execute` runs (PostgresNIO reads them there, before the statement leaves it).
private struct PreparedQuery: PostgresPreparedStatement {
    struct Statement: Sendable {
        var name = ""
        var sql = ""
        var types: [PostgresDataType] = []

        /// `erp_` and 128 bits of SHA-256 over the SQL and its parameters' types.
        init(_ query: PreparedSQL) {
            var hash = SHA256()
            hash.update(data: Array(query.sql.utf8))
            for type in query.types { withUnsafeBytes(of: type.rawValue.bigEndian) { hash.update(bufferPointer: $0) } }
            name = "erp_" + Array(hash.finalize().prefix(16)).hexadecimal
            sql = query.sql
            types = query.types
        }

        init() {}
    }

    @TaskLocal static var current = Statement()

    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.types }

    var bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
