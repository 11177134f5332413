// What operators see of the queue: statistics per queue and lists of jobs.
public import Foundation
public import Logging
public import PostgresNIO

/// One queue's figures.
public struct QueueStatistics: Sendable, Hashable, Codable {
    /// The queue.
    public var queue: String
    /// Due now and waiting for a worker.
    public var pending: Int
    /// Claimed by a worker.
    public var running: Int
    /// Waiting for a later time (delayed jobs, retries in backoff).
    public var scheduled: Int
    /// Out of attempts, kept with their last error until an admin retries them.
    public var dead: Int
    /// How long the oldest due job has waited, in seconds; nil when none waits.
    public var oldestPendingSeconds: Double?
}

/// A job as `erp jobs list` shows it, live or finished.
public struct JobSummary: Sendable, Hashable, Codable {
    /// Its id.
    public var id: Int64
    /// The queue it runs on.
    public var queue: String
    /// The kind of job.
    public var kind: String
    /// pending, scheduled, running, completed, dead or cancelled.
    public var state: String
    /// Attempts made so far.
    public var attempts: Int
    /// Attempts before the job is dead.
    public var maxAttempts: Int
    /// When it runs (live jobs) or finished (the others).
    public var at: Date
    /// The worker holding its lease, while it runs.
    public var workerId: String?
    /// The error of the last failed attempt.
    public var lastError: String?
}

/// The states `erp jobs list --state` accepts.
public enum JobState: String, Sendable, CaseIterable {
    case pending, scheduled, running, completed, dead, cancelled
}

/// Operators' queries.
public enum JobAdmin {
    /// Figures for every queue that has live or dead jobs, by name.
    ///
    /// - Parameter known: Queues to list with zeros when they have never held a job.
    public static func statistics(on connection: PostgresConnection, known: [String] = [], logger: Logger) async throws
        -> [QueueStatistics]
    {
        let rows = try await connection.query(
            """
            WITH live AS (
                SELECT queue,
                       count(*) FILTER (WHERE state = 'pending' AND run_at <= now()) AS pending,
                       count(*) FILTER (WHERE state = 'running') AS running,
                       count(*) FILTER (WHERE state = 'pending' AND run_at > now()) AS scheduled,
                       extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now()))::float8 AS oldest
                  FROM jobs GROUP BY queue
            ),
            dead AS (
                SELECT queue, count(*) AS dead FROM job_history WHERE state = 'dead' GROUP BY queue
            )
            SELECT queue, COALESCE(pending, 0)::integer, COALESCE(running, 0)::integer, COALESCE(scheduled, 0)::integer,
                   COALESCE(dead, 0)::integer, oldest
              FROM live FULL JOIN dead USING (queue) FULL JOIN unnest(\(known)::text[]) AS k(queue) USING (queue)
             ORDER BY queue
            """,
            logger: logger
        )
        var statistics: [QueueStatistics] = []
        for try await (queue, pending, running, scheduled, dead, oldest) in rows.decode(
            (String, Int, Int, Int, Int, Double?).self)
        {
            statistics.append(
                QueueStatistics(
                    queue: queue, pending: pending, running: running, scheduled: scheduled, dead: dead,
                    oldestPendingSeconds: oldest
                )
            )
        }
        return statistics
    }

    /// Up to `limit` jobs, newest first, optionally of one state and queue.
    public static func list(
        state: JobState?, queue: String?, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [JobSummary] {
        let rows = try await connection.query(
            """
            SELECT id, queue, kind, state, attempts, max_attempts, at, worker_id, last_error FROM (
                SELECT id, queue, kind,
                       CASE WHEN state = 'pending' AND run_at > now() THEN 'scheduled' ELSE state END AS state,
                       attempts, max_attempts, run_at AS at, worker_id, last_error
                  FROM jobs
                 UNION ALL
                SELECT id, queue, kind, state, attempts, max_attempts, finished_at, NULL, last_error
                  FROM job_history
                 WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)
            ) j
             WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
               AND (\(queue)::text IS NULL OR queue = \(queue))
             ORDER BY id DESC
             LIMIT \(limit)
            """,
            logger: logger
        )
        var jobs: [JobSummary] = []
        for try await (id, queue, kind, state, attempts, maxAttempts, at, worker, error)
            in rows.decode((Int64, String, String, String, Int, Int, Date, String?, String?).self)
        {
            jobs.append(
                JobSummary(
                    id: id, queue: queue, kind: kind, state: state, attempts: attempts, maxAttempts: maxAttempts,
                    at: at,
                    workerId: worker, lastError: error
                )
            )
        }
        return jobs
    }
}
