-- Finance: each new warehouse gets its inventory account in the same transaction, so the
-- ledger projector always finds one. Repeatable (re-applied when its text changes).
--
-- after: master_data.sql

CREATE OR REPLACE FUNCTION open_inventory_account() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts (code, name, type, group_id, warehouse_id)
    SELECT '1400/' || NEW.id, 'Inventory ' || NEW.code, 'asset', g.id, NEW.id
      FROM accounts g WHERE g.role = 'inventory'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS warehouses_open_inventory_account ON warehouses;
CREATE TRIGGER warehouses_open_inventory_account AFTER INSERT ON warehouses
    FOR EACH ROW EXECUTE FUNCTION open_inventory_account();
