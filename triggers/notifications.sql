-- Notifications: every notification raised enqueues its delivery in the same
-- transaction (the outbox, without a relay). Repeatable (re-applied when its text
-- changes).
--
-- One statement for all the notifications a statement raised; the dedupe key keeps a
-- notification from having two deliveries pending at once. A replay sets erp.replay
-- for its transaction, and sends nothing: a replay has no side effects.
CREATE OR REPLACE FUNCTION notifications_enqueue_delivery() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('erp.replay', true) = 'on' THEN
        RETURN NULL;
    END IF;
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
