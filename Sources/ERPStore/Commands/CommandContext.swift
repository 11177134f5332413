// Who runs a command, and the transaction-local settings that put it in event metadata.
public import Logging
public import PostgresNIO

/// Who runs one command, for which request, from where; set as transaction-local
/// settings so the event triggers copy them into each event's metadata.
public struct CommandContext: Sendable {
    /// Who asked, as the event log names them: `user:12`, `api_key:3`, `cli:asha`.
    public var actor: String
    /// What people know the actor by: a user's email, an API key's name.
    public var actorName: String?
    /// The request id, echoed in responses and logs.
    public var requestID: String
    /// The client's address, for requests that came over the network.
    public var clientAddress: String?
    /// Where the command logs.
    public var logger: Logger

    /// A context for one command.
    public init(
        actor: String, actorName: String? = nil, requestID: String, clientAddress: String? = nil, logger: Logger
    ) {
        self.actor = actor
        self.actorName = actorName
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.logger = logger
    }

    /// Sets `erp.actor`, `erp.actor_name`, `erp.request_id` and `erp.client_address` for
    /// the rest of the transaction (SET LOCAL).
    ///
    /// - Returns: The transaction's id (as text), by which ``CommittedOrNot`` tells
    ///   whether it committed when the connection is lost around its COMMIT.
    @discardableResult
    public func apply(to transaction: PostgresConnection) async throws -> String {
        try await transaction.preparedValue(
            """
            SELECT pg_current_xact_id()::text
              FROM (SELECT set_config('erp.actor', \(actor), true), set_config('erp.actor_name', \(actorName ?? ""), true),
                           set_config('erp.request_id', \(requestID), true),
                           set_config('erp.client_address', \(clientAddress ?? ""), true)) settings
            """,
            as: String.self, logger: logger
        ) ?? ""
    }
}
