// The row of `projector_checkpoints` the runner, a replay and the operator levers share.
import ERPStore
import Logging
import PostgresNIO

extension Projector {
    /// Creates this projector's checkpoint row if it has none: at the start of the log, and
    /// built by this code version (a projector never run builds its read model with it).
    func ensureCheckpointRow(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO projector_checkpoints (name, code_version) VALUES (\(name), \(version))
            ON CONFLICT (name) DO NOTHING
            """,
            logger: logger
        )
    }

    /// The stored checkpoint and state (`running`, `stalled` or `paused`); the start of the
    /// log, running, when there is no row yet.
    func storedCheckpoint(on connection: PostgresConnection, logger: Logger) async throws -> (
        checkpoint: EventCheckpoint, state: String
    ) {
        let row = try await connection.rows(
            "SELECT tx::text, position, state FROM projector_checkpoints WHERE name = \(name)",
            as: (String, Int64, String).self, logger: logger
        ).first
        guard let (tx, position, state) = row else { return (.start, "running") }
        return (EventCheckpoint(tx: try parseTransactionID(tx), position: position), state)
    }
}
