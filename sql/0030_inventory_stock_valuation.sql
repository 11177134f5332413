-- Inventory: stock value on the write side. The value of each product × warehouse at
-- moving-average cost, kept under the same locks as on hand (StockLedger), so that
-- outgoing stock is costed when it leaves; each line that moves stock keeps the value
-- it moved (signed: negative out), which its event's movements carry.

CREATE TABLE stock_valuation (
    product_id    bigint NOT NULL REFERENCES products,
    warehouse_id  bigint NOT NULL REFERENCES warehouses,
    on_hand       bigint NOT NULL CHECK (on_hand >= 0),
    value_paise   bigint NOT NULL CHECK (value_paise >= 0),
    PRIMARY KEY (product_id, warehouse_id),
    CHECK (on_hand > 0 OR value_paise = 0)
);

-- NULL on lines posted before this migration: their events carry no value, and the
-- read models value them as they always did.
ALTER TABLE stock_document_lines ADD COLUMN value_paise bigint;
ALTER TABLE purchase_return_lines ADD COLUMN value_paise bigint;

-- The value so far, from the log: every stock-moving event in log order, each movement
-- valued as StockValue and StockLedger value it (a receipt at its cost, anything out at
-- its share of the average rounded half up, a transfer's incoming leg with what its
-- outgoing leg took, a count found at the average).
DO $$
DECLARE
    event      record;
    movement   record;
    level      record;
    quantity   bigint;
    worth      bigint;
    source     record;
BEGIN
    CREATE TEMPORARY TABLE taken (batch_id bigint PRIMARY KEY, on_hand bigint, value_paise bigint) ON COMMIT DROP;
    FOR event IN SELECT payload FROM events WHERE payload ? 'movements' ORDER BY position LOOP
        TRUNCATE taken;
        FOR movement IN
            SELECT (m ->> 'productId')::bigint AS product_id, (m ->> 'warehouseId')::bigint AS warehouse_id,
                   (m ->> 'batchId')::bigint AS batch_id, (m ->> 'quantity')::bigint AS quantity,
                   (m ->> 'unitCost')::bigint AS unit_cost
              FROM jsonb_array_elements(event.payload -> 'movements') WITH ORDINALITY AS x(m, n)
             ORDER BY n
        LOOP
            INSERT INTO stock_valuation VALUES (movement.product_id, movement.warehouse_id, 0, 0)
                ON CONFLICT DO NOTHING;
            SELECT on_hand, value_paise INTO level FROM stock_valuation
             WHERE product_id = movement.product_id AND warehouse_id = movement.warehouse_id;
            quantity := abs(movement.quantity);
            IF movement.quantity < 0 THEN
                worth := CASE WHEN level.on_hand <= 0 THEN 0
                              WHEN quantity >= level.on_hand THEN level.value_paise
                              ELSE round(level.value_paise::numeric * quantity / level.on_hand)::bigint END;
                UPDATE stock_valuation
                   SET on_hand = on_hand - quantity,
                       value_paise = CASE WHEN on_hand - quantity > 0 THEN value_paise - worth ELSE 0 END
                 WHERE product_id = movement.product_id AND warehouse_id = movement.warehouse_id;
                INSERT INTO taken VALUES (movement.batch_id, quantity, worth)
                    ON CONFLICT (batch_id) DO UPDATE
                   SET on_hand = taken.on_hand + EXCLUDED.on_hand, value_paise = taken.value_paise + EXCLUDED.value_paise;
            ELSE
                SELECT t.on_hand, t.value_paise INTO source FROM taken t WHERE t.batch_id = movement.batch_id;
                IF movement.unit_cost IS NOT NULL THEN
                    worth := movement.unit_cost * quantity;
                ELSIF source.on_hand IS NOT NULL AND source.on_hand > 0 THEN
                    worth := CASE WHEN least(quantity, source.on_hand) >= source.on_hand THEN source.value_paise
                                  ELSE round(source.value_paise::numeric * quantity / source.on_hand)::bigint END;
                    UPDATE taken
                       SET on_hand = on_hand - least(quantity, source.on_hand),
                           value_paise = CASE WHEN on_hand - least(quantity, source.on_hand) > 0
                                              THEN value_paise - worth ELSE 0 END
                     WHERE batch_id = movement.batch_id;
                ELSE
                    worth := CASE WHEN level.on_hand <= 0 THEN 0
                                  WHEN quantity >= level.on_hand THEN level.value_paise
                                  ELSE round(level.value_paise::numeric * quantity / level.on_hand)::bigint END;
                END IF;
                UPDATE stock_valuation
                   SET on_hand = on_hand + quantity, value_paise = value_paise + worth
                 WHERE product_id = movement.product_id AND warehouse_id = movement.warehouse_id;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- What the backfill found: the value each product × warehouse had before movements
-- carried value. `erp verify` checks write-model value = this + Σ movement values.
CREATE TABLE stock_value_opening (
    product_id    bigint NOT NULL,
    warehouse_id  bigint NOT NULL,
    value_paise   bigint NOT NULL,
    PRIMARY KEY (product_id, warehouse_id)
);
INSERT INTO stock_value_opening SELECT product_id, warehouse_id, value_paise FROM stock_valuation;
