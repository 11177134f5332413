-- The event log's trigger functions: the one function that turns a domain write into
-- an event, and the metadata every event carries. Repeatable: the migrator re-applies
-- this file whenever its text changes, after the numbered files in sql/.
--
-- Attach record_event, whose payload is the row as JSON, with:
--   CREATE TRIGGER … AFTER INSERT OR UPDATE ON <table> FOR EACH ROW [WHEN (…)]
--     EXECUTE FUNCTION record_event('<event.type>', '<aggregate_type>');
--
-- A document with lines has a function that builds its payload (header and lines) from
-- the row as JSON. `SELECT document_event_trigger('<document function>')` defines the
-- trigger function `<document function>_event`, attached the same way:
--     EXECUTE FUNCTION goods_receipt_document_event('goods.received', 'goods_receipt');
-- Such a trigger fires when the document is posted (a WHEN clause on its status, or
-- deferred to commit), after its lines are written.

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
    row_json jsonb := to_jsonb(NEW);
BEGIN
    IF TG_NARGS <> 2 THEN
        RAISE EXCEPTION 'record_event(event_type, aggregate_type) on % takes two arguments, not %', TG_TABLE_NAME, TG_NARGS
            USING HINT = 'A document''s payload function gets its own trigger function: SELECT document_event_trigger(''<function>'').';
    END IF;
    INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata)
    VALUES (TG_ARGV[0], TG_ARGV[1], row_json ->> 'id', row_json, event_metadata());

    -- The insert wakes listeners through the events_notify trigger (sql/0001).
    RETURN NULL;
END
$$;

-- Defines `<document>_event()`, a trigger function like record_event whose payload is
-- `<document>(row as JSON)`. The call is written into the function, so PL/pgSQL plans it
-- once per session; a single trigger function taking the document function's name as an
-- argument would need an EXECUTE, parsed and planned again for every event. The comment
-- names the document function, so that re-applying this file regenerates them all.
CREATE OR REPLACE FUNCTION document_event_trigger(document regproc) RETURNS void
LANGUAGE plpgsql AS $generator$
DECLARE
    trigger_function text := document::text || '_event';
BEGIN
    EXECUTE format($function$
        CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        DECLARE
            row_json jsonb := to_jsonb(NEW);
        BEGIN
            IF TG_NARGS <> 2 THEN
                RAISE EXCEPTION '%1$s(event_type, aggregate_type) on %% takes two arguments, not %%', TG_TABLE_NAME, TG_NARGS;
            END IF;
            INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata)
            VALUES (TG_ARGV[0], TG_ARGV[1], row_json ->> 'id', %2$s(row_json), event_metadata());
            RETURN NULL;
        END
        $body$
        $function$, trigger_function, document);
    EXECUTE format('COMMENT ON FUNCTION %I() IS %L', trigger_function, 'document event trigger: ' || document::text);
END
$generator$;

SELECT document_event_trigger(substring(obj_description(p.oid, 'pg_proc') FROM '^document event trigger: (.*)$')::regproc)
  FROM pg_proc p
 WHERE obj_description(p.oid, 'pg_proc') LIKE 'document event trigger: %';
