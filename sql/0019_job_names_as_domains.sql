-- A job's queue and kind keep their formats as domains instead of CHECK constraints.
--
-- PostgreSQL evaluates a table's CHECK constraints on every UPDATE of a row, whichever
-- columns change, so the two regular expressions ran again at every claim, heartbeat
-- and retry: a fifth of a claim's time. A domain is checked only when a value is
-- written into the column (an enqueue), which is all these checks are for.

CREATE DOMAIN job_queue_name AS text CHECK (VALUE ~ '^[a-z][a-z0-9_-]{0,39}$');
CREATE DOMAIN job_kind_name AS text CHECK (VALUE ~ '^[a-z][a-z0-9_.]{0,79}$');

ALTER TABLE jobs
    DROP CONSTRAINT jobs_queue_check,
    DROP CONSTRAINT jobs_kind_check,
    ALTER COLUMN queue TYPE job_queue_name,
    ALTER COLUMN kind TYPE job_kind_name;
