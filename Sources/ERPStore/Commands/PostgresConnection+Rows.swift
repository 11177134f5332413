// Reading a command's result rows into arrays of tuples.
public import Logging
public import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and returns every row decoded as `type`.
    ///
    /// Inlinable, so that each caller's decode is specialized for its columns: generic
    /// over a parameter pack, an unspecialized decode cost microseconds a row.
    @inlinable
    public func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        var rows: [(repeat each Column)] = []
        for try await row in try await self.query(query, logger: logger).decode(type) { rows.append(row) }
        return rows
    }

    /// Runs `query` and returns the first column of its first row, if there is one.
    @inlinable
    public func value<Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: Column.Type, logger: Logger
    ) async throws -> Column? {
        for try await value in try await self.query(query, logger: logger).decode(type) { return value }
        return nil
    }

    /// Runs an `INSERT … RETURNING id` and returns the id.
    public func insertReturningID(_ query: PostgresQuery, logger: Logger) async throws -> Int64 {
        guard let id = try await value(query, as: Int64.self, logger: logger) else {
            throw CommandError(.notFound, "the insert returned no row")
        }
        return id
    }

    /// Runs a statement whose rows do not matter; returns how many rows it returned.
    @discardableResult
    public func execute(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await self.query(query, logger: logger) { count += 1 }
        return count
    }
}
