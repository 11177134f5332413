-- The event log: the source of truth every read model is built from.
--
-- Readers never trust `position` order alone: a sequence value is taken at INSERT
-- but becomes visible at COMMIT, so a reader that remembered "max position seen"
-- would skip late commits. They read in (tx, position) order below the visibility
-- horizon instead; see Sources/ERPEvents/EventReader.swift.
CREATE TABLE events (
    position        bigserial   PRIMARY KEY,
    tx              xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type            text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    payload         jsonb       NOT NULL,
    -- actor, requestId, causationId: who and what caused the event.
    metadata        jsonb       NOT NULL DEFAULT '{}',
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

-- The reader's scan order.
CREATE UNIQUE INDEX events_tx_position ON events (tx, position);
-- One aggregate's history.
CREATE INDEX events_aggregate ON events (aggregate_type, aggregate_id, position);
-- Listing by type.
CREATE INDEX events_type ON events (type, position);

-- Events are immutable: corrections are new events.
CREATE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % refused on events', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a correcting event instead.';
END
$$;

CREATE TRIGGER events_immutable
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Every statement that appends events wakes the listeners. NOTIFY is a wake-up,
-- never data: the constant payload lets PostgreSQL fold all notifications of one
-- transaction into one, however many rows or statements it wrote.
CREATE FUNCTION events_wake_listeners() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('erp_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_wake_listeners();
