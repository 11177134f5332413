// Idempotency-Key handling: the first response is stored with the command's writes.
public import Foundation
public import PostgresNIO

/// A stored response of an earlier request with the same key.
public struct StoredResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The JSON body.
    public var body: String

    /// Creates a value with the given fields.
    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

/// Remembers command responses by `Idempotency-Key` and endpoint.
public enum Idempotency {
    /// Takes the key's lock for this transaction and returns the stored response, if any.
    ///
    /// Call inside the command's transaction before writing. A concurrent request with
    /// the same key waits here until the first commits or rolls back.
    ///
    /// - Throws: ``CommandError`` `.idempotencyKeyReused` when the key came with another body.
    public static func lookUp(
        key: String, endpoint: String, body: Data, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> StoredResponse? {
        try await transaction.preparedExecute(
            "SELECT pg_advisory_xact_lock(hashtext(\(endpoint)), hashtext(\(key)))", logger: context.logger)
        let rows = try await transaction.preparedRows(
            """
            SELECT request_sha256 = sha256(\(body)), status, response::text
              FROM idempotency_keys
             WHERE key = \(key) AND endpoint = \(endpoint)
            """,
            as: (Bool, Int16, String).self, logger: context.logger
        )
        for (sameBody, status, response) in rows {
            guard sameBody else {
                throw CommandError(.idempotencyKeyReused, "this Idempotency-Key was used with a different request body")
            }
            return StoredResponse(status: Int(status), body: response)
        }
        return nil
    }

    /// Stores the response of this request under its key, in the command's transaction.
    public static func store(
        key: String, endpoint: String, body: Data, response: StoredResponse,
        on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        try await transaction.preparedExecute(
            """
            INSERT INTO idempotency_keys (key, endpoint, request_sha256, status, response)
            VALUES (\(key), \(endpoint), sha256(\(body)), \(Int16(response.status)), \(response.body)::jsonb)
            """,
            logger: context.logger
        )
    }
}
