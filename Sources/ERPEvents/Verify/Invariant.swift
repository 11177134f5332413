// Checks that must hold between the log, the write model and the read models.
import ERPStore
public import Logging
public import PostgresNIO

/// One invariant `erp verify` checks.
public struct Invariant: Sendable {
    /// What one check found.
    public struct Finding: Sendable, Codable {
        /// The invariant's name.
        public var name: String
        /// What it asserts.
        public var statement: String
        /// The first breaches, one line each (a key and the values that disagree).
        public var breaches: [String]
        /// How many breaches there are in all.
        public var breachCount: Int
        /// Why it was not checked in full, when it was not.
        public var note: String?

        /// Whether it holds.
        public var holds: Bool { breachCount == 0 }
    }

    /// A short name, e.g. `stock_projection_equals_events`.
    public var name: String
    /// What it asserts, in a sentence.
    public var statement: String
    /// Runs the check in the verifying transaction; returns breaches (first `limit`),
    /// their count, and a note when part of it could not be checked.
    public var check:
        @Sendable (_ transaction: PostgresConnection, _ limit: Int, _ logger: Logger) async throws -> (
            breaches: [String], count: Int, note: String?
        )

    /// Creates an invariant.
    public init(
        name: String, statement: String,
        check:
            @escaping @Sendable (PostgresConnection, Int, Logger) async throws -> (
                breaches: [String], count: Int, note: String?
            )
    ) {
        self.name = name
        self.statement = statement
        self.check = check
    }

    /// Runs `invariants` in one read-only, repeatable-read transaction, so every check
    /// sees the same snapshot of the log, the write model and the read models.
    ///
    /// - Parameter limit: Breaches listed per invariant (all are counted).
    public static func verify(
        _ invariants: [Invariant], limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Finding] {
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            var findings: [Finding] = []
            for invariant in invariants {
                let (breaches, count, note) = try await invariant.check(connection, limit, logger)
                findings.append(
                    Finding(
                        name: invariant.name, statement: invariant.statement, breaches: breaches, breachCount: count,
                        note: note))
            }
            try await connection.query("COMMIT", logger: logger)
            return findings
        } catch {
            if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
            throw error
        }
    }

    /// How many events of `types` projector `name` has not applied yet (all of them when
    /// it has no checkpoint): an invariant comparing its read model with the write model
    /// holds only when this is 0.
    public static func eventsBehind(
        _ name: String, types: Set<EventType>, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        try await connection.value(
            """
            SELECT count(*)::integer FROM events e
             WHERE e.type = ANY(\(types.map(\.rawValue)))
               AND ((e.tx, e.position) > (SELECT tx, position FROM projector_checkpoints WHERE name = \(name))
                    OR NOT EXISTS (SELECT 1 FROM projector_checkpoints WHERE name = \(name)))
            """,
            as: Int.self, logger: logger) ?? 0
    }

    /// Runs `query`, whose rows are (breach line, total count), and collects them.
    public static func collect(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws
        -> (breaches: [String], count: Int)
    {
        var breaches: [String] = []
        var count = 0
        for try await (line, total) in try await connection.query(query, logger: logger).decode((String, Int).self) {
            breaches.append(line)
            count = total
        }
        return (breaches, count)
    }
}

extension Invariant {
    /// Every projector's checkpoint names an event of the log (or the start), so none is
    /// past the head: a checkpoint past the head would skip the events written after it.
    public static func checkpointsWithinLog() -> Invariant {
        Invariant(
            name: "checkpoints_within_log",
            statement: "every projector's checkpoint is the start of the log or an event in it, at or before the head"
        ) { transaction, limit, logger in
            let (breaches, count) = try await collect(
                """
                SELECT c.name || ': checkpoint (' || c.tx || ', ' || c.position || ') is not an event of the log; the head is '
                       || COALESCE((SELECT '(' || tx || ', ' || position || ')' FROM events ORDER BY tx DESC, position DESC LIMIT 1), 'empty'),
                       count(*) OVER ()::integer
                  FROM projector_checkpoints c
                 WHERE c.position <> 0
                   AND NOT EXISTS (SELECT 1 FROM events e WHERE e.tx = c.tx AND e.position = c.position)
                 ORDER BY c.name
                 LIMIT \(limit)
                """,
                on: transaction, logger: logger
            )
            return (breaches, count, nil)
        }
    }

    /// No event in the log has a type this build does not know.
    public static func knownEventTypes(_ known: Set<EventType>) -> Invariant {
        Invariant(name: "known_event_types", statement: "every event's type is one this build's triggers record") {
            transaction, limit, logger in
            let (breaches, count) = try await collect(
                """
                SELECT type || ': ' || count(*) || ' events, first at position ' || min(position), count(*) OVER ()::integer
                  FROM events
                 WHERE NOT (type = ANY(\(known.names)))
                 GROUP BY type
                 ORDER BY type
                 LIMIT \(limit)
                """,
                on: transaction, logger: logger
            )
            return (breaches, count, nil)
        }
    }
}
