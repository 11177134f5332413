// Where each projector stands, and the operator's levers on it.
import ERPStore
public import Logging
public import PostgresNIO

/// One projector's progress and health, as `erp projections status` shows it.
public struct ProjectionStatus: Sendable, Codable, Equatable {
    /// The projector's name.
    public var name: String
    /// The last event it consumed.
    public var checkpoint: EventCheckpoint
    /// The last event below the visibility horizon.
    public var head: EventCheckpoint
    /// Events after the checkpoint (of any type; the checkpoint moves past all of them).
    public var lagEvents: Int64
    /// Age of the oldest event after the checkpoint, in seconds; 0 when caught up.
    public var lagSeconds: Double
    /// `running` or `stalled`.
    public var state: String
    /// While stalled: the event that kept failing.
    public var failedPosition: Int64?
    /// While stalled: the last error it raised.
    public var lastError: String?
}

/// Reads and changes projector state in `projector_checkpoints`.
public struct ProjectionControl: Sendable {
    /// An operator asked for a projector that does not exist.
    public struct UnknownProjector: Error, CustomStringConvertible {
        public var name: String
        public var known: [String]
        public var description: String {
            "no projector named '\(name)'; known projectors: \(known.sorted().joined(separator: ", "))"
        }
    }

    /// The projectors this build runs, by name.
    public let known: [String]
    let logger: Logger

    /// Creates the control for the projectors named `known`.
    public init(known: [String], logger: Logger) {
        self.known = known
        self.logger = logger
    }

    /// The status of every known projector, and of any other that has a checkpoint row.
    public func status(on connection: PostgresConnection) async throws -> [ProjectionStatus] {
        let head = try await EventReader(logger: logger).head(on: connection)
        var stored: [String: ProjectionStatus] = [:]
        let rows = try await connection.query(
            """
            SELECT c.name, c.tx::text, c.position, c.state, c.failed_position, c.last_error,
                   lag.events, lag.seconds
              FROM projector_checkpoints c
              CROSS JOIN LATERAL (
                    SELECT count(*) AS events,
                           COALESCE(EXTRACT(epoch FROM now() - min(e.recorded_at)), 0)::float8 AS seconds
                      FROM events e
                     WHERE (e.tx, e.position) > (c.tx, c.position)
                   ) lag
            """,
            logger: logger
        )
        for try await (name, tx, position, state, failedPosition, lastError, lagEvents, lagSeconds)
            in rows.decode((String, String, Int64, String, Int64?, String?, Int64, Double).self)
        {
            stored[name] = ProjectionStatus(
                name: name, checkpoint: EventCheckpoint(tx: try parseTransactionID(tx), position: position),
                head: head, lagEvents: lagEvents, lagSeconds: max(0, lagSeconds), state: state,
                failedPosition: failedPosition, lastError: lastError
            )
        }
        for name in known where stored[name] == nil {
            let lag = try await lagFromStart(on: connection)
            stored[name] = ProjectionStatus(
                name: name, checkpoint: .start, head: head, lagEvents: lag.events, lagSeconds: lag.seconds,
                state: "running", failedPosition: nil, lastError: nil
            )
        }
        return stored.values.sorted { $0.name < $1.name }
    }

    /// Clears a stalled projector so its runner tries the failing event again, and wakes it.
    ///
    /// - Throws: ``UnknownProjector`` when no projector has that name.
    /// - Returns: Whether it was stalled.
    @discardableResult
    public func resume(_ name: String, on connection: PostgresConnection) async throws -> Bool {
        guard known.contains(name) else { throw UnknownProjector(name: name, known: known) }
        let rows = try await connection.query(
            """
            UPDATE projector_checkpoints
               SET state = 'running', failed_position = NULL, last_error = NULL, updated_at = now()
             WHERE name = \(name) AND state = 'stalled'
            RETURNING 1
            """,
            logger: logger
        )
        var resumed = false
        for try await _ in rows { resumed = true }
        try await connection.query("SELECT pg_notify(\(EventReader.channel), '')", logger: logger)
        return resumed
    }

    private func lagFromStart(on connection: PostgresConnection) async throws -> (events: Int64, seconds: Double) {
        let rows = try await connection.query(
            "SELECT count(*), COALESCE(EXTRACT(epoch FROM now() - min(recorded_at)), 0)::float8 FROM events",
            logger: logger
        )
        for try await (events, seconds) in rows.decode((Int64, Double).self) { return (events, max(0, seconds)) }
        return (0, 0)
    }
}
