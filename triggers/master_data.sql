-- Master data: products, warehouses and vendors. Repeatable (re-applied when its text
-- changes). Every change becomes an event whose payload is the whole record (camelCase,
-- as the API shows it). Constraint triggers deferred to commit see the finished
-- document: a product's GST rates are written after the product row.
--
-- after: event_log.sql

-- GST rates are hundredths of a percent; the key says so (500 is 5 %).
CREATE OR REPLACE FUNCTION product_document(product jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'sku', p.sku, 'name', p.name, 'brand', p.brand, 'potency', p.potency,
        'form', p.form, 'packSize', p.pack_size, 'packUnit', p.pack_unit, 'hsnCode', p.hsn_code,
        'mrp', p.mrp_paise, 'reorderLevel', p.reorder_level, 'reorderQuantity', p.reorder_quantity,
        'preferredVendorId', p.preferred_vendor_id,
        'batchTracked', p.batch_tracked, 'shelfLifeDays', p.shelf_life_days, 'active', p.active,
        'version', p.version,
        'gstRates', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('effectiveFrom', r.effective_from, 'rateBasisPoints', r.rate_basis_points)
                             ORDER BY r.effective_from)
              FROM product_gst_rates r
             WHERE r.product_id = p.id
        ), '[]'::jsonb)
    )
      FROM products p
     WHERE p.id = (product ->> 'id')::bigint
$$;
SELECT document_event_trigger('product_document');

CREATE OR REPLACE FUNCTION warehouse_document(warehouse jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', w.id, 'code', w.code, 'name', w.name, 'stateCode', w.state_code,
        'active', w.active, 'version', w.version
    )
      FROM warehouses w
     WHERE w.id = (warehouse ->> 'id')::bigint
$$;
SELECT document_event_trigger('warehouse_document');

CREATE OR REPLACE FUNCTION vendor_document(vendor jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', v.id, 'name', v.name, 'gstin', v.gstin, 'stateCode', v.state_code,
        'paymentTermsDays', v.payment_terms_days, 'active', v.active, 'version', v.version
    )
      FROM vendors v
     WHERE v.id = (vendor ->> 'id')::bigint
$$;
SELECT document_event_trigger('vendor_document');

DROP TRIGGER IF EXISTS products_created ON products;
CREATE CONSTRAINT TRIGGER products_created AFTER INSERT ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION product_document_event('product.created', 'product');
DROP TRIGGER IF EXISTS products_updated ON products;
CREATE CONSTRAINT TRIGGER products_updated AFTER UPDATE ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION product_document_event('product.updated', 'product');

DROP TRIGGER IF EXISTS warehouses_created ON warehouses;
CREATE CONSTRAINT TRIGGER warehouses_created AFTER INSERT ON warehouses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION warehouse_document_event('warehouse.created', 'warehouse');
DROP TRIGGER IF EXISTS warehouses_updated ON warehouses;
CREATE CONSTRAINT TRIGGER warehouses_updated AFTER UPDATE ON warehouses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION warehouse_document_event('warehouse.updated', 'warehouse');

DROP TRIGGER IF EXISTS vendors_created ON vendors;
CREATE CONSTRAINT TRIGGER vendors_created AFTER INSERT ON vendors
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION vendor_document_event('vendor.created', 'vendor');
DROP TRIGGER IF EXISTS vendors_updated ON vendors;
CREATE CONSTRAINT TRIGGER vendors_updated AFTER UPDATE ON vendors
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION vendor_document_event('vendor.updated', 'vendor');

-- An UPDATE that leaves every column as it was (version and updated_at aside) is
-- dropped before it happens, so it neither bumps the version nor records an event. A
-- real change gets its updated_at here. A command that changed something kept in
-- another table (a product's GST rates) sets updated_at itself to make the row count
-- as changed.
CREATE OR REPLACE FUNCTION skip_unchanged_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
       AND to_jsonb(NEW) - 'version' - 'updated_at' = to_jsonb(OLD) - 'version' - 'updated_at' THEN
        RETURN NULL;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS products_skip_unchanged ON products;
CREATE TRIGGER products_skip_unchanged BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS warehouses_skip_unchanged ON warehouses;
CREATE TRIGGER warehouses_skip_unchanged BEFORE UPDATE ON warehouses
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS vendors_skip_unchanged ON vendors;
CREATE TRIGGER vendors_skip_unchanged BEFORE UPDATE ON vendors
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
