// Whether a transaction whose connection was lost committed: asked of the server, by its id.
public import Logging
public import PostgresNIO

/// What became of a transaction whose connection closed before its COMMIT was answered.
public enum TransactionOutcome: Sendable, Equatable {
    case committed
    case rolledBack
    /// The server could not be asked, or no longer knows (the id is too old).
    case unknown

    /// Asks the server, on another connection, what became of transaction `id`.
    ///
    /// A backend that was terminated mid-COMMIT may still be finishing: an
    /// `in progress` answer is asked again for up to `patience`, and so is a question
    /// whose own connection failed (whatever ended the first may have ended the pool's
    /// other connections too).
    ///
    /// - Parameters:
    ///   - id: The transaction id, as ``CommandContext/apply(to:)`` returned it.
    ///   - client: The pool to ask through.
    public static func of(
        transaction id: String, client: PostgresClient, patience: Duration = .seconds(3), logger: Logger
    ) async -> TransactionOutcome {
        guard !id.isEmpty else { return .unknown }
        let deadline = ContinuousClock.now + patience
        while true {
            let status: String?
            do {
                status = try await client.withLiveConnection { connection in
                    try await connection.value("SELECT pg_xact_status(\(id)::xid8)", as: String?.self, logger: logger)
                        ?? nil
                }
            } catch {
                status = "not asked"
            }
            switch status {
            case "committed": return .committed
            case "aborted": return .rolledBack
            case "in progress", "not asked":
                guard ContinuousClock.now < deadline else { return .unknown }
                try? await Task.sleep(for: .milliseconds(50))
            default: return .unknown
            }
        }
    }
}
