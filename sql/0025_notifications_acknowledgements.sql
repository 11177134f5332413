-- Notifications: acknowledging is a command with a write model of its own (event
-- notification.acknowledged, triggers/notifications.sql), so the notifications read
-- model is rebuilt from events alone.

-- Who acknowledged which notification (by its subject, which a rebuild
-- keeps), once.
CREATE TABLE notification_acknowledgements (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject          text        NOT NULL UNIQUE,
    acknowledged_by  text        NOT NULL,
    acknowledged_at  timestamptz NOT NULL DEFAULT now()
);

-- The acknowledgements the read model holds move into the write model, with their
-- events, so none is lost to a replay.
WITH acknowledged AS (
    INSERT INTO notification_acknowledgements (subject, acknowledged_by, acknowledged_at)
    SELECT subject, COALESCE(acknowledged_by, 'unknown'), COALESCE(acknowledged_at, now())
      FROM notifications
     WHERE status = 'acknowledged'
     ORDER BY id
    RETURNING *
)
INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata)
SELECT 'notification.acknowledged', 'notification_acknowledgement', a.id::text,
       jsonb_build_object('id', a.id, 'subject', a.subject, 'acknowledgedBy', a.acknowledged_by,
                          'acknowledgedAt', a.acknowledged_at),
       jsonb_build_object('actor', a.acknowledged_by)
  FROM acknowledged a
 ORDER BY a.id;
