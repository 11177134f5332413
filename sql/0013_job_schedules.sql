-- Periodic jobs: the last tick enqueued per schedule. Every daemon evaluates every
-- schedule; the one whose compare-and-set moves last_tick forward enqueues the job in
-- the same transaction, so each tick is enqueued exactly once however many daemons run.
-- Also: a leaner index on the job history.

CREATE TABLE job_schedules (
    name        text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.-]{0,79}$'),
    last_tick   timestamptz NOT NULL,
    -- The job the last tick enqueued (NULL when a job with its dedupe key was still pending).
    last_job_id bigint,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Completed jobs are the bulk of the history and nothing counts them by state: index
-- only the dead ones (counted per queue by `erp jobs stats`), so a completion inserts
-- into the primary key alone.
DROP INDEX job_history_state;
CREATE INDEX job_history_dead ON job_history (queue) WHERE state = 'dead';
