-- The job queue: background work enqueued in the same transaction as the business
-- write that calls for it (the outbox, without a relay), claimed with SKIP LOCKED.
--
-- The hot table holds only pending and running jobs, so claiming stays fast however
-- much history piles up; finished, dead and cancelled jobs move to job_history.

CREATE TABLE jobs (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue             text        NOT NULL DEFAULT 'default' CHECK (queue ~ '^[a-z][a-z0-9_-]{0,39}$'),
    kind              text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,79}$'),
    payload           jsonb       NOT NULL DEFAULT '{}',
    -- Lower runs first.
    priority          smallint    NOT NULL DEFAULT 0,
    run_at            timestamptz NOT NULL DEFAULT now(),
    attempts          integer     NOT NULL DEFAULT 0,
    max_attempts      integer     NOT NULL DEFAULT 20 CHECK (max_attempts BETWEEN 1 AND 1000),
    state             text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running')),
    -- Set while running: who holds it and until when (heartbeats extend the lease).
    worker_id         text,
    lease_expires_at  timestamptz,
    last_error        text,
    -- At most one pending or running job per key: a second enqueue is a no-op.
    dedupe_key        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'running') = (worker_id IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- The claim's scan: runnable jobs of a queue in (priority, run_at, id) order.
CREATE INDEX jobs_runnable ON jobs (queue, priority, run_at, id) WHERE state = 'pending';
-- The rescuer's scan: running jobs by lease expiry.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;

CREATE TABLE job_history (
    id            bigint      PRIMARY KEY,
    queue         text        NOT NULL,
    kind          text        NOT NULL,
    payload       jsonb       NOT NULL,
    priority      smallint    NOT NULL,
    attempts      integer     NOT NULL,
    max_attempts  integer     NOT NULL,
    state         text        NOT NULL CHECK (state IN ('completed', 'dead', 'cancelled')),
    last_error    text,
    dedupe_key    text,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_history_state ON job_history (state, finished_at);

-- Every statement that enqueues wakes the runners. A constant payload folds all of one
-- transaction's notifications into one.
CREATE FUNCTION jobs_wake_runners() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('erp_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify
    AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_wake_runners();

-- Enqueues a job from SQL (triggers call this); returns its id, or NULL when a pending
-- or running job already has the dedupe key.
CREATE FUNCTION enqueue_job(
    job_kind text,
    job_payload jsonb DEFAULT '{}',
    job_queue text DEFAULT 'default',
    job_run_at timestamptz DEFAULT now(),
    job_priority smallint DEFAULT 0,
    job_max_attempts integer DEFAULT 20,
    job_dedupe_key text DEFAULT NULL
) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO jobs (kind, payload, queue, run_at, priority, max_attempts, dedupe_key)
    VALUES (job_kind, job_payload, job_queue, job_run_at, job_priority, job_max_attempts, job_dedupe_key)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id
$$;
