// Keeps two replays (or a replay and a reset) of one projector apart, and says who holds it.
import ERPStore
public import Foundation
import Logging
import PostgresNIO

/// Another replay or reset of the projector holds it.
public struct ReplayInProgress: Error, CustomStringConvertible {
    /// The projector.
    public var projector: String
    /// Who holds it: the command, host and process, as the holder recorded it.
    public var holder: String
    /// When the holder started.
    public var startedAt: Date?
    /// Events the holder had done when it last reported (a replay reports every 2 s).
    public var eventsDone: Int64
    /// Events the holder counted to do.
    public var eventsTotal: Int64

    /// What went wrong, for people.
    public var description: String {
        var line = "a replay of \(projector) is already running: \(holder)"
        if let startedAt {
            line +=
                ", started \(startedAt.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false)))"
        }
        if eventsTotal > 0 { line += ", \(eventsDone) of \(eventsTotal) events done" }
        return line
    }
}

/// A session-level advisory lock per projector, plus a row in `projection_replays` that
/// names its holder. The lock is the truth (it ends with the holder's session, however
/// that ends); the row is only what the refusal says.
struct ReplayLock {
    /// Advisory lock key space of replays (two-key form; the runners use another space).
    static let lockSpace: Int32 = 0x4552_5052

    let projector: String
    let logger: Logger

    /// Who this process is, for the refusal another process prints.
    static func holder(command: String) -> String {
        "\(command) on \(ProcessInfo.processInfo.hostName) (pid \(ProcessInfo.processInfo.processIdentifier))"
    }

    /// Takes the lock on `connection` and records `holder`.
    ///
    /// - Throws: ``ReplayInProgress`` when another session holds it.
    func acquire(holder: String, on connection: PostgresConnection) async throws {
        let locked = try await connection.value(
            "SELECT pg_try_advisory_lock(\(Self.lockSpace), hashtext(\(projector)))", as: Bool.self, logger: logger
        )
        guard locked == true else {
            let rows = try await connection.rows(
                "SELECT holder, started_at, events_done, events_total FROM projection_replays WHERE projector = \(projector)",
                as: (String, Date, Int64, Int64).self, logger: logger
            )
            let row = rows.first
            throw ReplayInProgress(
                projector: projector, holder: row?.0 ?? "another session", startedAt: row?.1,
                eventsDone: row?.2 ?? 0, eventsTotal: row?.3 ?? 0
            )
        }
        try await connection.query(
            """
            INSERT INTO projection_replays (projector, holder, backend_pid)
            VALUES (\(projector), \(holder), pg_backend_pid())
            ON CONFLICT (projector) DO UPDATE
               SET holder = EXCLUDED.holder, backend_pid = EXCLUDED.backend_pid, started_at = now(),
                   events_done = 0, events_total = 0, updated_at = now()
            """,
            logger: logger
        )
    }

    /// Waits (up to the session's lock timeout) for the lock held by a session that is
    /// ending, then holds it; used to clean up after that session.
    ///
    /// - Returns: Whether it holds the lock; `false` when another session kept it.
    func acquireAfterHolderEnds(on connection: PostgresConnection) async throws -> Bool {
        do {
            try await connection.query(
                "SELECT pg_advisory_lock(\(Self.lockSpace), hashtext(\(projector)))", logger: logger)
            return true
        } catch let error as PSQLError where error.sqlState == .lockNotAvailable {
            return false
        }
    }

    /// Records how far the holder got.
    func report(done: Int64, total: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE projection_replays SET events_done = \(done), events_total = \(total), updated_at = now()
             WHERE projector = \(projector) AND backend_pid = pg_backend_pid()
            """,
            logger: logger
        )
    }

    /// Removes the record and releases the lock. The record is removed whoever wrote it:
    /// only the lock's holder calls this.
    func release(on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM projection_replays WHERE projector = \(projector)", logger: logger)
        try await connection.query(
            "SELECT pg_advisory_unlock(\(Self.lockSpace), hashtext(\(projector)))", logger: logger)
    }
}
