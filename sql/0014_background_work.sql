-- What the background jobs need: a preferred vendor per product (reorder suggestions),
-- notifications raised by the daily expiry scan, and a record of webhook deliveries.

-- Reorder suggestions group a draft purchase order per preferred vendor.
ALTER TABLE products ADD COLUMN preferred_vendor_id bigint REFERENCES vendors;

-- The expiry scan raises notifications of its own: they come from no event.
ALTER TABLE notifications ALTER COLUMN event_position DROP NOT NULL;
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('below_reorder', 'batch_expiring', 'batch_expired'));

-- One row per notification delivered to a webhook endpoint. Keyed by the subject, which
-- stays the same when the notifications projection is rebuilt, so a replay delivers
-- nothing twice; a retried job skips the endpoints already done.
CREATE TABLE notification_deliveries (
    subject          text        NOT NULL,
    endpoint         text        NOT NULL,
    response_status  integer     NOT NULL,
    delivered_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, endpoint)
);
