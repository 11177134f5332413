-- Notifications become a read model like any other: every row comes from an event.
-- The expiry scan records what it finds (inventory's batch_expiry_findings, event
-- batch.expiry_detected) instead of writing notifications, and an acknowledgement is a
-- command with a write model of its own (notification_acknowledgements, event
-- notification.acknowledged). The functions and triggers that record those events are
-- in triggers/inventory.sql and triggers/notifications.sql.

-- Inventory: one row per batch × warehouse × finding, so a second scan records nothing new.
CREATE TABLE batch_expiry_findings (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id      bigint      NOT NULL REFERENCES batches,
    warehouse_id  bigint      NOT NULL REFERENCES warehouses,
    finding       text        NOT NULL CHECK (finding IN ('expiring', 'expired')),
    -- On hand and days to expiry (negative: expired) on the business date of the scan.
    quantity      bigint      NOT NULL,
    days_left     integer     NOT NULL,
    detected_on   date        NOT NULL,
    window_days   integer     NOT NULL,
    detected_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (batch_id, warehouse_id, finding)
);

-- Notifications: who acknowledged which notification (by its subject, which a rebuild
-- keeps), once.
CREATE TABLE notification_acknowledgements (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject          text        NOT NULL UNIQUE,
    acknowledged_by  text        NOT NULL,
    acknowledged_at  timestamptz NOT NULL DEFAULT now()
);

-- What the live tables already hold moves into the write models, with the events a
-- rebuild needs, so no notification or acknowledgement is lost to a replay. The
-- payloads have the shape the document functions give them.
WITH found AS (
    INSERT INTO batch_expiry_findings (batch_id, warehouse_id, finding, quantity, days_left, detected_on, window_days, detected_at)
    SELECT n.batch_id, n.warehouse_id, CASE n.kind WHEN 'batch_expired' THEN 'expired' ELSE 'expiring' END,
           (n.details ->> 'quantity')::bigint, (n.details ->> 'daysLeft')::integer,
           (n.raised_at AT TIME ZONE 'Asia/Kolkata')::date, 90, n.raised_at
      FROM notifications n
     WHERE n.event_position IS NULL AND n.batch_id IS NOT NULL
     ORDER BY n.id
    RETURNING *
)
INSERT INTO events (type, aggregate_type, aggregate_id, payload, metadata)
SELECT 'batch.expiry_detected', 'batch_expiry_finding', f.id::text,
       jsonb_build_object(
           'id', f.id, 'batchId', f.batch_id, 'productId', b.product_id, 'warehouseId', f.warehouse_id,
           'finding', f.finding, 'batchNumber', b.batch_number, 'expiresOn', b.expires_on,
           'quantity', f.quantity, 'daysLeft', f.days_left, 'detectedOn', f.detected_on, 'windowDays', f.window_days,
           'sku', p.sku, 'productName', p.name, 'warehouseCode', w.code),
       jsonb_build_object('actor', 'migration:0024')
  FROM found f
  JOIN batches b ON b.id = f.batch_id
  JOIN products p ON p.id = b.product_id
  JOIN warehouses w ON w.id = f.warehouse_id
 ORDER BY f.id;

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
