-- One row per projector: how far it has read the event log, and whether it is healthy.
--
-- The checkpoint is the pair (tx, position) of the last event the projector has
-- consumed. It moves only in the same transaction as the projector's read-model
-- change, with compare-and-set on the old pair.
CREATE TABLE projector_checkpoints (
    name             text        PRIMARY KEY,
    tx               xid8        NOT NULL DEFAULT '0',
    position         bigint      NOT NULL DEFAULT 0,
    state            text        NOT NULL DEFAULT 'running'
                                 CHECK (state IN ('running', 'stalled')),
    -- Set while stalled: the event that kept failing and the last error it raised.
    failed_position  bigint,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
