-- What projection operations need: a projector can be paused, remembers the code
-- version that built its read model, and a replay in progress says who runs it.

-- 'paused' is an operator's stop (erp projections pause); 'stalled' is the runner's.
ALTER TABLE projector_checkpoints DROP CONSTRAINT projector_checkpoints_state_check;
ALTER TABLE projector_checkpoints ADD CONSTRAINT projector_checkpoints_state_check
    CHECK (state IN ('running', 'stalled', 'paused'));

-- The projector code version that built the read model as it stands. A build whose
-- projector has a higher version shows it as behind until `erp replay` rebuilds it.
ALTER TABLE projector_checkpoints ADD COLUMN code_version integer NOT NULL DEFAULT 1 CHECK (code_version > 0);

-- One row per replay in progress. The replay's advisory lock is what keeps two replays
-- of one projector apart; this row only says who holds it and how far it got, and a
-- row left by a replay that died is stale once no session holds the lock.
CREATE TABLE projection_replays (
    projector        text        PRIMARY KEY,
    holder           text        NOT NULL,
    backend_pid      integer     NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    events_total     bigint      NOT NULL DEFAULT 0,
    events_done      bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
