-- Notifications about customers: an invoice overdue (from the overdue scan's findings)
-- and a customer over their credit limit (from invoices, credit notes and receipts).
-- A notification names a product and warehouse, or a customer and invoice.

ALTER TABLE notifications ALTER COLUMN product_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN warehouse_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN customer_id bigint;
ALTER TABLE notifications ADD COLUMN invoice_id bigint;
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('below_reorder', 'batch_expiring', 'batch_expired', 'invoice_overdue', 'over_credit_limit'));
ALTER TABLE notifications ADD CONSTRAINT notifications_subject_check
    CHECK (product_id IS NOT NULL AND warehouse_id IS NOT NULL OR customer_id IS NOT NULL);

-- What the notifications projector needs to see a credit limit crossed: each
-- customer's limit and what they owe (invoices less credit notes and receipts, the
-- figure the sales order's credit check uses), from the events.
CREATE TABLE notification_customers (
    customer_id         bigint  PRIMARY KEY,
    name                text    NOT NULL,
    credit_limit_paise  bigint  NOT NULL,
    owed_paise          bigint  NOT NULL DEFAULT 0,
    -- Over the limit now; a crossing is a change of this from false to true.
    over_limit          boolean NOT NULL DEFAULT false,
    -- Crossings so far: numbers each one, so a notification is raised once per crossing.
    crossings           integer NOT NULL DEFAULT 0
);
