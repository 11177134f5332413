-- Master data updates: a PATCH that changes nothing records nothing, and GST rates name
-- their unit.

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

CREATE TRIGGER products_skip_unchanged BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
CREATE TRIGGER warehouses_skip_unchanged BEFORE UPDATE ON warehouses
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
CREATE TRIGGER vendors_skip_unchanged BEFORE UPDATE ON vendors
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();

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
