import ERPStore
// Enqueues due schedule ticks, exactly once per tick across every daemon.
public import Foundation
public import Logging
public import PostgresNIO
import Synchronization

/// Evaluates schedules and enqueues the job of each due tick.
///
/// Every daemon runs one; the row in `job_schedules` decides which of them enqueues a
/// tick: a compare-and-set moves `last_tick` forward and the job is enqueued in the same
/// transaction, so a daemon that loses the race (or dies between the two) leaves nothing.
public final class JobScheduler: Sendable {
    let schedules: [JobSchedule]
    let logger: Logger
    /// The last tick each schedule was settled for in this process, to skip the database.
    private let settled = Mutex<[String: Date]>([:])

    /// Creates a scheduler for `schedules`.
    public init(schedules: [JobSchedule], logger: Logger) {
        self.schedules = schedules
        self.logger = logger
    }

    /// Enqueues the job of every schedule whose latest tick at or before `now` has not
    /// been enqueued by any daemon yet.
    ///
    /// - Returns: How many ticks this call enqueued.
    @discardableResult
    public func enqueueDue(at now: Date, on connection: PostgresConnection) async throws -> Int {
        var enqueued = 0
        for schedule in schedules {
            guard let tick = schedule.latestTick(atOrBefore: now),
                settled.withLock({ $0[schedule.name].map { $0 < tick } ?? true })
            else { continue }
            let won = try await connection.inTransaction(logger: logger) { transaction in
                let rows = try await transaction.query(
                    """
                    INSERT INTO job_schedules AS s (name, last_tick) VALUES (\(schedule.name), \(tick))
                    ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick, last_job_id = NULL, updated_at = now()
                     WHERE s.last_tick < excluded.last_tick
                    RETURNING name
                    """,
                    logger: logger
                )
                var won = false
                for try await _ in rows { won = true }
                guard won else { return false }
                var job = schedule.job
                job.runAt = tick
                let added = try await JobQueue.enqueue(job, on: transaction, logger: logger)
                if case .added(let id) = added {
                    try await transaction.query(
                        "UPDATE job_schedules SET last_job_id = \(id) WHERE name = \(schedule.name)", logger: logger
                    )
                } else {
                    logger.warning(
                        "schedule tick skipped: the previous tick's job is still pending or running",
                        metadata: ["schedule": "\(schedule.name)", "tick": "\(tick)"]
                    )
                }
                return true
            }
            settled.withLock { $0[schedule.name] = tick }
            if won {
                enqueued += 1
                logger.info("schedule tick enqueued", metadata: ["schedule": "\(schedule.name)", "tick": "\(tick)"])
            }
        }
        return enqueued
    }
}
