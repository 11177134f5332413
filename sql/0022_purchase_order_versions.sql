-- A draft purchase order can be edited until it is approved; edits are optimistic
-- (If-Match), so the order carries a version.
ALTER TABLE purchase_orders ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);
