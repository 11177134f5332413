-- Inventory: the expiry scan records what it finds, one row per batch × warehouse ×
-- finding (event batch.expiry_detected, triggers/inventory.sql), instead of writing
-- notifications; the notifications module turns each finding into a notification.

-- One row per batch × warehouse × finding, so a second scan records nothing new.
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

-- The notifications the old scan wrote become findings, with the events a rebuild of
-- the notifications read model needs, so none is lost to a replay. The payloads have
-- the shape batch_expiry_document gives them.
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
