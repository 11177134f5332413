-- A replay merges the notifications a rebuild found missing into `notifications`; it
-- sets erp.replay for its transaction, and what the table's triggers would send out
-- (webhook deliveries) is not sent for them: a replay has no side effects.

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
