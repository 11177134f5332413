// Who runs a command, and the transaction-local settings that put it in event metadata.
public import Logging
public import PostgresNIO

/// The actor and request id of one command; set as transaction-local settings so the
/// event triggers copy them into each event's metadata.
public struct CommandContext: Sendable {
    /// Who asked, e.g. `user:asha` or `api`.
    public var actor: String
    /// The request id, echoed in responses and logs.
    public var requestID: String
    /// Where the command logs.
    public var logger: Logger

    /// A context for one command.
    public init(actor: String, requestID: String, logger: Logger) {
        self.actor = actor
        self.requestID = requestID
        self.logger = logger
    }

    /// Sets `erp.actor` and `erp.request_id` for the rest of the transaction (SET LOCAL).
    ///
    /// - Returns: The transaction's id (as text), by which ``CommittedOrNot`` tells
    ///   whether it committed when the connection is lost around its COMMIT.
    @discardableResult
    public func apply(to transaction: PostgresConnection) async throws -> String {
        try await transaction.value(
            """
            SELECT pg_current_xact_id()::text
              FROM (SELECT set_config('erp.actor', \(actor), true), set_config('erp.request_id', \(requestID), true)) settings
            """,
            as: String.self, logger: logger
        ) ?? ""
    }
}
