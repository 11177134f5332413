-- Who runs each projector and how often the watchdog had to restart it, for
-- `erp projections status`.

-- The process that last took the projector's advisory lock, and since when. The lock
-- is the truth (status reads it from pg_locks); this only names the holder and dates it.
ALTER TABLE projector_checkpoints ADD COLUMN holder text;
ALTER TABLE projector_checkpoints ADD COLUMN holder_since timestamptz;

-- Watchdog restarts: a runner whose step went its timeout without progress had its
-- connection closed and its server process ended, and resumed from its checkpoint.
ALTER TABLE projector_checkpoints ADD COLUMN restarts integer NOT NULL DEFAULT 0 CHECK (restarts >= 0);
ALTER TABLE projector_checkpoints ADD COLUMN last_restart_at timestamptz;
ALTER TABLE projector_checkpoints ADD COLUMN last_restart_reason text;
