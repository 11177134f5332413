// The row of `projector_checkpoints` the runner, a replay and the operator levers share.
public import ERPStore
import Logging
import PostgresNIO

/// Where a projector's runner stands, as `projector_checkpoints.state` stores it.
public enum ProjectorState: String, StoredEnum {
    /// Applying events as they come.
    case running
    /// Stopped at an event it could not apply, until `erp projections resume`.
    case stalled
    /// Stopped by an operator (`erp projections pause`).
    case paused
}

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

    /// The stored checkpoint and state; the start of the log, running, when there is no row yet.
    func storedCheckpoint(on connection: PostgresConnection, logger: Logger) async throws -> (
        checkpoint: EventCheckpoint, state: ProjectorState
    ) {
        let row = try await connection.rows(
            "SELECT tx::text, position, state FROM projector_checkpoints WHERE name = \(name)",
            as: (String, Int64, ProjectorState).self, logger: logger
        ).first
        guard let (tx, position, state) = row else { return (.start, .running) }
        return (EventCheckpoint(tx: try parseTransactionID(tx), position: position), state)
    }
}
