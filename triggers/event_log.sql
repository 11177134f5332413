-- The event log's trigger functions: the one function that turns a domain write into
-- an event, and the metadata every event carries. Repeatable: the migrator re-applies
-- this file whenever its text changes, after the numbered files in sql/.
--
-- Attach record_event with:
--   CREATE TRIGGER … AFTER INSERT OR UPDATE ON <table> FOR EACH ROW [WHEN (…)]
--     EXECUTE FUNCTION record_event('<event.type>', '<aggregate_type>' [, '<document function>']);
--
-- The payload is the row as JSON, or, for a document with lines, whatever the named
-- function returns for the row (header and lines). Such a trigger fires when the
-- document is posted (a WHEN clause on its status), after its lines are written.

-- Who (actor: `user:12`, `api_key:3`, `cli:asha`; actorName: their email or name), from
-- where (clientAddress) and what (requestId, causationId) caused the event. Command
-- handlers set these with set_config(…, true) (SET LOCAL); a write from psql falls back
-- to the database role.
CREATE OR REPLACE FUNCTION event_metadata() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'actor',         COALESCE(NULLIF(current_setting('erp.actor', true), ''), session_user::text),
        'actorName',     NULLIF(current_setting('erp.actor_name', true), ''),
        'requestId',     NULLIF(current_setting('erp.request_id', true), ''),
        'clientAddress', NULLIF(current_setting('erp.client_address', true), ''),
        'causationId',   NULLIF(current_setting('erp.causation_id', true), '')
    ))
$$;

CREATE OR REPLACE FUNCTION record_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    event_type     text := TG_ARGV[0];
    aggregate_type text := TG_ARGV[1];
    document       text := TG_ARGV[2];
    row_json       jsonb := to_jsonb(NEW);
    event_payload  jsonb;
BEGIN
    IF TG_NARGS < 2 THEN
        RAISE EXCEPTION 'record_event(event_type, aggregate_type [, document_function]) on %: missing arguments', TG_TABLE_NAME;
    END IF;
    IF document IS NULL THEN
        event_payload := row_json;
    ELSE
        EXECUTE format('SELECT %s($1)', document::regproc) INTO event_payload USING row_json;
    END IF;

    INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata)
    VALUES (event_type, aggregate_type, row_json ->> 'id', event_payload, event_metadata());

    -- The insert wakes listeners through the events_notify trigger (sql/0001).
    RETURN NULL;
END
$$;
