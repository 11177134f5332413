// Claiming, finishing and failing jobs: each one statement, safe under any number of workers.
import ERPStore
public import Logging
public import PostgresNIO

/// What happened to a failed job.
public enum FailureOutcome: Sendable, Hashable {
    /// Back in the queue for another attempt, after the backoff.
    case retrying
    /// Out of attempts: moved to the history as dead, with its last error.
    case dead
    /// The worker no longer held the job (its lease expired and it was rescued); nothing changed.
    case notHeld
}

/// The statements workers and admins run against `jobs` and `job_history`.
public enum JobStore {
    /// What a worker's connection sets before its first claim.
    ///
    /// - Claims and acknowledgements need not wait for the WAL flush: a crash that loses
    ///   one only means the job runs again, which at-least-once delivery allows anyway.
    ///   Enqueues, in the business transactions, stay durable.
    /// - The round trip's plan does not depend on its parameters; left to choose,
    ///   PostgreSQL planned it afresh for each batch.
    /// - That generic plan is made once, on the table as it is at the first claim. A worker
    ///   that starts on an empty queue (a quiet shop) got a plan that sorts the whole table
    ///   for every claim, and kept it when a burst arrived: 19 ms a claim at 50,000 jobs
    ///   instead of 1, until autovacuum's ANALYZE. Every statement of the round trip goes
    ///   through an index, so sequential scans are simply ruled out.
    public static let workerSessionSettings = [
        "SET synchronous_commit = off", "SET plan_cache_mode = force_generic_plan", "SET enable_seqscan = off",
    ]

    /// Claims up to `limit` runnable jobs of `queue` for `worker`, in (priority, run_at,
    /// id) order, skipping rows other workers are claiming; each gets a lease of `lease`.
    ///
    /// - Parameter kinds: Only jobs of these kinds (those the worker has handlers for);
    ///   every kind when empty.
    public static func claim(
        queue: String, kinds: [String] = [], limit: Int, worker: String, lease: Duration,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [ClaimedJob] {
        try await acknowledgeAndClaim(
            completed: [], queue: queue, kinds: kinds, limit: limit, worker: worker, lease: lease, on: connection,
            logger: logger
        ).claimed
    }

    /// Moves finished jobs that `worker` still holds to the history, in one statement.
    ///
    /// - Returns: How many were completed (a job whose lease was lost is left alone).
    @discardableResult
    public static func complete(_ ids: [Int64], worker: String, on connection: PostgresConnection, logger: Logger)
        async throws -> Int
    {
        guard !ids.isEmpty else { return 0 }
        return try await acknowledgeAndClaim(
            completed: ids, queue: "", limit: 0, worker: worker, lease: .zero, on: connection, logger: logger
        ).acknowledged
    }

    /// A worker's round trip: moves its finished jobs (`completed`) to the history and
    /// claims up to `limit` more of `queue`, in one statement and so one commit.
    ///
    /// The two parts touch disjoint rows (running jobs of this worker, pending jobs), so
    /// one snapshot serves both.
    ///
    /// - Returns: How many of `completed` were acknowledged (a job whose lease was lost
    ///   is left alone), and the jobs claimed, by id.
    public static func acknowledgeAndClaim(
        completed: [Int64], queue: String, kinds: [String] = [], limit: Int, worker: String, lease: Duration,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> (acknowledged: Int, claimed: [ClaimedJob]) {
        let statement = AcknowledgeAndClaim(
            completed: completed, worker: worker, queue: queue, kinds: kinds, limit: limit,
            leaseMilliseconds: lease.inMilliseconds
        )
        let rows = try await connection.execute(statement, logger: logger)
        var acknowledged = 0
        var jobs: [ClaimedJob] = []
        for try await (id, queue, kind, payload, attempt, maxAttempts) in rows {
            if id == 0 {
                acknowledged = attempt
            } else {
                jobs.append(
                    ClaimedJob(
                        id: id, queue: queue, kind: kind, payload: payload, attempt: attempt, maxAttempts: maxAttempts))
            }
        }
        return (acknowledged, jobs.sorted { $0.id < $1.id })
    }

    /// Records a failed attempt: back to pending after `retryIn`, or dead when it was the
    /// last or the failure is `permanent` (retrying cannot help, e.g. a malformed payload).
    public static func fail(
        _ id: Int64, worker: String, error: String, retryIn: Duration, permanent: Bool = false,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> FailureOutcome {
        let rows = try await connection.query(
            """
            WITH job AS (
                SELECT * FROM jobs WHERE id = \(id) AND worker_id = \(worker) AND state = 'running' FOR UPDATE
            ),
            dead AS (
                DELETE FROM jobs j USING job WHERE j.id = job.id AND (job.attempts >= job.max_attempts OR \(permanent)) RETURNING j.*
            ),
            buried AS (
                INSERT INTO job_history (id, queue, kind, payload, priority, attempts, max_attempts, state, last_error, dedupe_key, created_at)
                SELECT id, queue, kind, payload, priority, attempts, max_attempts, 'dead', \(error), dedupe_key, created_at FROM dead
                RETURNING id
            ),
            retried AS (
                UPDATE jobs j
                   SET state = 'pending', worker_id = NULL, lease_expires_at = NULL, last_error = \(error),
                       run_at = now() + \(retryIn.inMilliseconds) * interval '1 millisecond'
                  FROM job
                 WHERE j.id = job.id AND job.attempts < job.max_attempts AND NOT \(permanent)
                RETURNING j.id
            )
            SELECT (SELECT count(*) FROM buried)::integer, (SELECT count(*) FROM retried)::integer
            """,
            logger: logger
        )
        for try await (buried, retried) in rows.decode((Int, Int).self) {
            if buried > 0 { return .dead }
            if retried > 0 { return .retrying }
        }
        return .notHeld
    }

    /// An admin's retry of a dead job: back to pending with its attempts reset.
    ///
    /// - Returns: Whether a dead job with this id was found.
    public static func retryDead(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            WITH revived AS (
                DELETE FROM job_history WHERE id = \(id) AND state = 'dead' RETURNING *
            )
            INSERT INTO jobs (id, queue, kind, payload, priority, max_attempts, last_error, dedupe_key, created_at)
                 OVERRIDING SYSTEM VALUE
            SELECT id, queue, kind, payload, priority, max_attempts, last_error, dedupe_key, created_at FROM revived
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// An admin's cancel of a pending job: moved to the history as cancelled.
    ///
    /// - Returns: Whether a pending job with this id was found (running jobs are not cancelled).
    public static func cancel(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            WITH cancelled AS (
                DELETE FROM jobs WHERE id = \(id) AND state = 'pending' RETURNING *
            )
            INSERT INTO job_history (id, queue, kind, payload, priority, attempts, max_attempts, state, last_error, dedupe_key, created_at)
            SELECT id, queue, kind, payload, priority, attempts, max_attempts, 'cancelled', last_error, dedupe_key, created_at FROM cancelled
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Heartbeat: extends the leases of the jobs `worker` still holds.
    ///
    /// - Returns: The ids still held; a job missing from it was rescued from under the worker.
    public static func extendLeases(
        _ ids: [Int64], worker: String, lease: Duration, on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            UPDATE jobs SET lease_expires_at = now() + \(lease.inMilliseconds) * interval '1 millisecond'
             WHERE id = ANY(\(ids)) AND worker_id = \(worker) AND state = 'running'
            RETURNING id
            """,
            logger: logger
        )
        var held: Set<Int64> = []
        for try await id in rows.decode(Int64.self) { held.insert(id) }
        return held
    }

    /// The rescuer: running jobs whose lease expired (their worker died or hung) go back
    /// to the queue at once, or to the history as dead when that was their last attempt.
    ///
    /// - Returns: How many jobs were rescued (requeued or buried).
    @discardableResult
    public static func rescueExpired(limit: Int = 1000, on connection: PostgresConnection, logger: Logger) async throws
        -> Int
    {
        let rows = try await connection.query(
            """
            WITH expired AS (
                SELECT * FROM jobs
                 WHERE state = 'running' AND lease_expires_at < now()
                 ORDER BY lease_expires_at
                 LIMIT \(limit)
                   FOR UPDATE SKIP LOCKED
            ),
            dead AS (
                DELETE FROM jobs j USING expired e WHERE j.id = e.id AND e.attempts >= e.max_attempts RETURNING j.*
            ),
            buried AS (
                INSERT INTO job_history (id, queue, kind, payload, priority, attempts, max_attempts, state, last_error, dedupe_key, created_at)
                SELECT id, queue, kind, payload, priority, attempts, max_attempts, 'dead',
                       'lease expired: worker ' || worker_id || ' stopped answering', dedupe_key, created_at
                  FROM dead
                RETURNING id
            ),
            requeued AS (
                UPDATE jobs j
                   SET state = 'pending', last_error = 'lease expired: worker ' || j.worker_id || ' stopped answering',
                       worker_id = NULL, lease_expires_at = NULL
                  FROM expired e
                 WHERE j.id = e.id AND e.attempts < e.max_attempts
                RETURNING j.id
            )
            SELECT ((SELECT count(*) FROM buried) + (SELECT count(*) FROM requeued))::integer
            """,
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// Graceful shutdown: the jobs `worker` still runs go back to the queue at once, and
    /// the interrupted attempt does not count.
    ///
    /// - Returns: How many were released.
    @discardableResult
    public static func release(_ ids: [Int64], worker: String, on connection: PostgresConnection, logger: Logger)
        async throws -> Int
    {
        guard !ids.isEmpty else { return 0 }
        let rows = try await connection.query(
            """
            UPDATE jobs
               SET state = 'pending', worker_id = NULL, lease_expires_at = NULL, run_at = now(),
                   attempts = greatest(attempts - 1, 0)
             WHERE id = ANY(\(ids)) AND worker_id = \(worker) AND state = 'running'
            RETURNING id
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}

/// The worker's round trip as a prepared statement: planned once per connection, since
/// it runs for every batch of jobs.
struct AcknowledgeAndClaim: PostgresPreparedStatement {
    typealias Row = (Int64, String, String, String, Int, Int)

    static let sql = """
        -- A worker id means running (the table's CHECK); saying `state = 'running'` too
        -- would lead the generic plan through jobs_leases, past every worker's running jobs.
        WITH done AS (
            DELETE FROM jobs WHERE id = ANY($1::bigint[]) AND worker_id = $2
            RETURNING *
        ),
        acknowledged AS (
            INSERT INTO job_history (id, queue, kind, payload, priority, attempts, max_attempts, state, last_error, dedupe_key, created_at)
            SELECT id, queue, kind, payload, priority, attempts, max_attempts, 'completed', last_error, dedupe_key, created_at FROM done
            RETURNING id
        ),
        next AS (
            SELECT id FROM jobs
             WHERE state = 'pending' AND queue = $3 AND run_at <= now()
               AND (cardinality($4::text[]) = 0 OR kind = ANY($4::text[]))
             ORDER BY priority, run_at, id
             LIMIT $5
               FOR UPDATE SKIP LOCKED
        ),
        -- By id through the primary key. Joined to `next` instead, the generic plan of
        -- this prepared statement (its LIMIT a parameter) hashed the whole hot table:
        -- every claim cost as much as the backlog was long.
        claimed AS (
            UPDATE jobs j
               SET state = 'running', worker_id = $2, attempts = j.attempts + 1,
                   lease_expires_at = now() + $6::bigint * interval '1 millisecond'
             WHERE j.id = ANY(ARRAY(SELECT id FROM next))
            RETURNING j.id, j.queue, j.kind, j.payload::text AS payload, j.attempts, j.max_attempts
        )
        SELECT id, queue, kind, payload, attempts, max_attempts FROM claimed
         UNION ALL
        -- The acknowledged count, in a row no job can have (id 0).
        SELECT 0, '', '', '', count(*)::integer, 0 FROM acknowledged
        """

    var completed: [Int64]
    var worker: String
    var queue: String
    var kinds: [String]
    var limit: Int
    var leaseMilliseconds: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(completed)
        bindings.append(worker)
        bindings.append(queue)
        bindings.append(kinds)
        bindings.append(limit)
        bindings.append(leaseMilliseconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
