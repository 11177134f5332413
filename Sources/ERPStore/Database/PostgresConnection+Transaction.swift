// BEGIN … COMMIT that survives the connection dying halfway.
public import Logging
public import PostgresNIO

extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// Unlike PostgresNIO's `withTransaction`, it rethrows the body's own error, and it
    /// sends no ROLLBACK on a connection that is already closed: the server rolled the
    /// transaction back when the connection ended. Run it inside
    /// ``PostgresNIO/PostgresConnection/untilClosed(_:)`` so that a connection closing
    /// mid-transaction ends it (PostgresNIO 1.33 never answers a query written to a
    /// closed connection).
    ///
    /// - Throws: What `body` throws, or the error of BEGIN or COMMIT.
    public func inTransaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await query("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            if !isClosed { _ = try? await query("ROLLBACK", logger: logger) }
            throw error
        }
        try await query("COMMIT", logger: logger)
        return result
    }
}
