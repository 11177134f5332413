-- Notifications: every notification raised enqueues its delivery in the same
-- transaction (the outbox, without a relay), and an acknowledgement is an event.
-- Repeatable (re-applied when its text changes).
--
-- after: event_log.sql

-- One statement for all the notifications a statement raised; the dedupe key keeps a
-- notification from having two deliveries pending at once. A replay builds its copy of
-- the table without this trigger, so it delivers nothing; the swap puts the trigger on
-- the rebuilt table. The kind and queue are NotificationDelivery's (a test keeps them
-- equal).
CREATE OR REPLACE FUNCTION notifications_enqueue_delivery() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, queue, payload, max_attempts, dedupe_key)
    SELECT 'notification.deliver', 'notifications', jsonb_build_object('subject', subject), 25,
           'notification.deliver:' || subject
      FROM raised
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS notifications_deliver ON notifications;
CREATE TRIGGER notifications_deliver
    AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS raised
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_enqueue_delivery();

CREATE OR REPLACE FUNCTION notification_acknowledgement_document(acknowledgement jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'subject', a.subject, 'acknowledgedBy', a.acknowledged_by, 'acknowledgedAt', a.acknowledged_at
    )
      FROM notification_acknowledgements a
     WHERE a.id = (acknowledgement ->> 'id')::bigint
$$;
SELECT document_event_trigger('notification_acknowledgement_document');

DROP TRIGGER IF EXISTS notification_acknowledged ON notification_acknowledgements;
CREATE CONSTRAINT TRIGGER notification_acknowledged AFTER INSERT ON notification_acknowledgements
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION notification_acknowledgement_document_event('notification.acknowledged', 'notification_acknowledgement');
