// Enqueueing jobs inside the caller's transaction: the job exists iff the business write committed.
import ERPStore
import Foundation
public import Logging
public import PostgresNIO

/// Adds jobs to the `jobs` table.
public enum JobQueue {
    /// Enqueues `job` on `transaction`, the connection of the caller's open transaction
    /// (or any connection, for a job of its own).
    ///
    /// - Returns: ``Enqueued/added(_:)`` with the id, or ``Enqueued/duplicate`` when a
    ///   pending or running job has the same dedupe key.
    public static func enqueue(_ job: NewJob, on transaction: PostgresConnection, logger: Logger) async throws
        -> Enqueued
    {
        let ids = try await enqueue([job], on: transaction, logger: logger)
        return ids.first.map(Enqueued.added) ?? .duplicate
    }

    /// Enqueues `jobs` in one statement.
    ///
    /// - Returns: The ids of the jobs added, in order; a job whose dedupe key a pending or
    ///   running job (or an earlier one of `jobs`) already has is left out.
    public static func enqueue(_ jobs: [NewJob], on transaction: PostgresConnection, logger: Logger) async throws
        -> [Int64]
    {
        guard !jobs.isEmpty else { return [] }
        // Arrays cannot carry NULL here: the epoch is "now" and '' is no dedupe key.
        let now = Date(timeIntervalSince1970: 0)
        let ids = try await transaction.preparedRows(
            """
            INSERT INTO jobs (kind, payload, queue, run_at, priority, max_attempts, dedupe_key)
            SELECT k, p::jsonb, q, CASE WHEN r = 'epoch' THEN now() ELSE r END, pr, m, NULLIF(d, '')
              FROM unnest(\(jobs.map(\.kind))::text[], \(jobs.map(\.payload))::text[], \(jobs.map(\.queue))::text[],
                          \(jobs.map { $0.runAt ?? now })::timestamptz[], \(jobs.map(\.priority))::smallint[],
                          \(jobs.map(\.maxAttempts))::integer[], \(jobs.map { $0.dedupeKey ?? "" })::text[])
                   WITH ORDINALITY AS u(k, p, q, r, pr, m, d, n)
             ORDER BY n
            ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
            RETURNING id
            """,
            as: Int64.self, logger: logger
        )
        return ids.sorted()
    }
}
