// Where each projector stands, and the operator's levers on it.
import ERPStore
public import Foundation
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
    /// `running`, `stalled` or `paused`.
    public var state: String
    /// While stalled: the event that kept failing.
    public var failedPosition: Int64?
    /// While stalled: the last error it raised.
    public var lastError: String?
    /// The projector code version that built the stored read model.
    public var builtWithVersion: Int
    /// The projector code version of this build; `nil` for a projector this build lacks.
    public var codeVersion: Int?
    /// A replay in progress: who runs it and how far it is, e.g. `412000/1000000 events`.
    public var replay: String?
    /// The process whose runner holds the projector's lock and applies events, e.g.
    /// `shop-1 pid 4711`; `nil` when no process runs it now.
    public var activeHolder: String?
    /// Since when ``activeHolder`` holds the lock, when it recorded that.
    public var activeSince: Date?
    /// Processes whose runners stand by to take over, in the order they connected.
    public var standbys: [String] = []
    /// How often a watchdog restarted a runner of this projector that made no progress.
    public var restarts: Int = 0
    /// When the last such restart happened, and why.
    public var lastRestartAt: Date?
    /// Why its runner was last restarted by the watchdog.
    public var lastRestartReason: String?

    /// The read model was built by older projector code: `erp replay` rebuilds it.
    public var isBehindCode: Bool { codeVersion.map { builtWithVersion < $0 } ?? false }
}

/// Reads and changes projector state in `projector_checkpoints`.
public struct ProjectionControl: Sendable {
    /// An operator asked for a projector that does not exist.
    public struct UnknownProjector: Error, CustomStringConvertible {
        /// The name.
        public var name: String
        /// The projectors this build has.
        public var known: [String]
        /// What went wrong, for people.
        public var description: String {
            "no projector named '\(name)'; known projectors: \(known.sorted().joined(separator: ", "))"
        }
    }

    /// The projectors this build runs.
    public let projectors: [any Projector]
    let logger: Logger

    /// Their names.
    public var known: [String] { projectors.map(\.name) }

    /// Creates the control for `projectors`.
    public init(projectors: [any Projector], logger: Logger) {
        self.projectors = projectors
        self.logger = logger
    }

    /// The projector named `name`.
    ///
    /// - Throws: ``UnknownProjector`` listing the known ones.
    public func projector(named name: String) throws -> any Projector {
        guard let projector = projectors.first(where: { $0.name == name }) else {
            throw UnknownProjector(name: name, known: known)
        }
        return projector
    }

    /// The status of every known projector, and of any other that has a checkpoint row.
    public func status(on connection: PostgresConnection) async throws -> [ProjectionStatus] {
        let head = try await EventReader(logger: logger).head(on: connection)
        var stored: [String: ProjectionStatus] = [:]
        // A row whose backend is gone was left by a replay that died: not running.
        let replays = Dictionary(
            try await connection.rows(
                """
                SELECT r.projector, r.holder || ': ' || r.events_done || '/' || r.events_total || ' events'
                  FROM projection_replays r
                 WHERE EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid)
                """,
                as: (String, String).self, logger: logger
            ),
            uniquingKeysWith: { first, _ in first }
        )
        // Who runs each projector comes from the advisory locks (the truth) and the
        // runners' connection names (`erp-projector:NAME PID@HOST`).
        let rows = try await connection.query(
            """
            SELECT c.name, c.tx::text, c.position, c.state, c.failed_position, c.last_error,
                   lag.events, lag.seconds, c.code_version,
                   holder.application_name, CASE WHEN holder.pid IS NOT NULL THEN c.holder_since END,
                   c.holder,
                   ARRAY(SELECT s.application_name FROM pg_stat_activity s
                          WHERE s.datname = current_database()
                            AND starts_with(s.application_name, \(ProjectorRunner.applicationKind)::text || c.name || ' ')
                            AND s.pid IS DISTINCT FROM holder.pid
                          ORDER BY s.backend_start),
                   c.restarts, c.last_restart_at, c.last_restart_reason
              FROM projector_checkpoints c
              CROSS JOIN LATERAL (
                    SELECT count(*) AS events,
                           COALESCE(EXTRACT(epoch FROM now() - min(e.recorded_at)), 0)::float8 AS seconds
                      FROM events e
                     WHERE (e.tx, e.position) > (c.tx, c.position)
                   ) lag
              LEFT JOIN LATERAL (
                    SELECT a.pid, a.application_name
                      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND l.classid = \(ProjectorRunner.lockSpace)::oid AND l.objid = hashtext(c.name)::oid
                     LIMIT 1
                   ) holder ON true
            """,
            logger: logger
        )
        let versions = Dictionary(projectors.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
        for try await row in rows.decode(
            (
                String, String, Int64, String, Int64?, String?, Int64, Double, Int,
                String?, Date?, String?, [String], Int, Date?, String?
            ).self
        ) {
            let (name, tx, position, state, failedPosition, lastError, lagEvents, lagSeconds, builtWith) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8)
            let prefix = ProjectorRunner.applicationPrefix(for: name)
            let holder = row.9.map { Self.process(fromApplicationName: $0, prefix: prefix) }
            var status = ProjectionStatus(
                name: name, checkpoint: EventCheckpoint(tx: try parseTransactionID(tx), position: position),
                head: head, lagEvents: lagEvents, lagSeconds: max(0, lagSeconds), state: state,
                failedPosition: failedPosition, lastError: lastError, builtWithVersion: builtWith,
                codeVersion: versions[name], replay: replays[name]
            )
            status.activeHolder = holder
            // The recorded start belongs to this holder only if it recorded it.
            status.activeSince = holder != nil && holder == row.11 ? row.10 : nil
            status.standbys = row.12.map { Self.process(fromApplicationName: $0, prefix: prefix) }
            (status.restarts, status.lastRestartAt, status.lastRestartReason) = (row.13, row.14, row.15)
            stored[name] = status
        }
        let neverRun = projectors.filter { stored[$0.name] == nil }
        // Never run: each runner will build its read model from the start with this code.
        let lag = neverRun.isEmpty ? (events: 0, seconds: 0) : try await lagFromStart(on: connection)
        for projector in neverRun {
            stored[projector.name] = ProjectionStatus(
                name: projector.name, checkpoint: .start, head: head, lagEvents: lag.events, lagSeconds: lag.seconds,
                state: "running", failedPosition: nil, lastError: nil, builtWithVersion: projector.version,
                codeVersion: projector.version, replay: replays[projector.name]
            )
        }
        return stored.values.sorted { $0.name < $1.name }
    }

    /// Clears a stalled or paused projector so its runner goes on (a stalled one with the
    /// event it failed on), and wakes it.
    ///
    /// - Throws: ``UnknownProjector`` when no projector has that name.
    /// - Returns: Whether it was stalled or paused.
    @discardableResult
    public func resume(_ name: String, on connection: PostgresConnection) async throws -> Bool {
        _ = try projector(named: name)
        let resumed = try await connection.execute(
            """
            UPDATE projector_checkpoints
               SET state = 'running', failed_position = NULL, last_error = NULL, updated_at = now()
             WHERE name = \(name) AND state IN ('stalled', 'paused')
            RETURNING 1
            """,
            logger: logger
        )
        try await connection.query("SELECT pg_notify(\(EventReader.channel), '')", logger: logger)
        return resumed > 0
    }

    /// Stops a projector's runner, wherever it runs, until ``resume(_:on:)``.
    ///
    /// The runner stops at its next batch (a batch in flight rolls back) and, when idle,
    /// within its checkpoint recheck interval. Its read model keeps serving, growing stale.
    ///
    /// - Throws: ``UnknownProjector`` when no projector has that name.
    /// - Returns: Whether it was not paused already.
    @discardableResult
    public func pause(_ name: String, on connection: PostgresConnection) async throws -> Bool {
        try await projector(named: name).ensureCheckpointRow(on: connection, logger: logger)
        return try await connection.execute(
            """
            UPDATE projector_checkpoints SET state = 'paused', updated_at = now()
             WHERE name = \(name) AND state <> 'paused'
            RETURNING 1
            """,
            logger: logger
        ) > 0
    }

    /// Empties a projector's read model and moves its checkpoint to the start of the log,
    /// so its runner rebuilds it in place (readers see it empty, then filling).
    ///
    /// - Throws: ``UnknownProjector``; ``ReplayInProgress`` while a replay of it runs.
    public func reset(_ name: String, on connection: PostgresConnection) async throws {
        let projector = try projector(named: name)
        let lock = ReplayLock(projector: name, logger: logger)
        try await lock.acquire(holder: ReplayLock.holder(command: "erp projections reset"), on: connection)
        do {
            try await connection.inLockingTransaction(logger: logger) { transaction in
                let replaced = projector.tables.map(\.name)
                if let bad = replaced.first(where: { !ShadowTables.isPlainName($0) }) {
                    throw ShadowTables.InvalidName(name: bad)
                }
                let emptied = replaced.map { "public.\($0)" }
                if !emptied.isEmpty {
                    try await transaction.query(
                        "TRUNCATE \(unescaped: emptied.joined(separator: ", "))", logger: logger)
                }
                try await transaction.query(
                    """
                    INSERT INTO projector_checkpoints AS c (name, code_version) VALUES (\(name), \(projector.version))
                    ON CONFLICT (name) DO UPDATE
                       SET tx = '0', position = 0, code_version = EXCLUDED.code_version,
                           state = CASE c.state WHEN 'paused' THEN 'paused' ELSE 'running' END,
                           failed_position = NULL, last_error = NULL, updated_at = now()
                    """,
                    logger: logger
                )
                try await transaction.query("SELECT pg_notify(\(EventReader.channel), '')", logger: logger)
            }
        } catch {
            if !connection.isClosed { try? await lock.release(on: connection) }
            throw error
        }
        try await lock.release(on: connection)
    }

    /// `host pid N` from a runner's connection name `erp-projector:NAME N@host`.
    static func process(fromApplicationName name: String, prefix: String) -> String {
        let process = name.dropFirst(prefix.count)
        guard let at = process.firstIndex(of: "@") else { return String(process) }
        return "\(process[process.index(after: at)...]) pid \(process[..<at])"
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
