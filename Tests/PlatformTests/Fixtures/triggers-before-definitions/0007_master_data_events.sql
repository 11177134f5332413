-- Master data changes become events whose payload is the whole record (camelCase,
-- as the API shows it). Constraint triggers deferred to commit see the finished
-- document: a product's GST rates are written after the product row.

CREATE FUNCTION product_document(product jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'sku', p.sku, 'name', p.name, 'brand', p.brand, 'potency', p.potency,
        'form', p.form, 'packSize', p.pack_size, 'packUnit', p.pack_unit, 'hsnCode', p.hsn_code,
        'mrp', p.mrp_paise, 'reorderLevel', p.reorder_level, 'reorderQuantity', p.reorder_quantity,
        'batchTracked', p.batch_tracked, 'shelfLifeDays', p.shelf_life_days, 'active', p.active,
        'version', p.version,
        'gstRates', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('effectiveFrom', r.effective_from, 'rate', r.rate_basis_points)
                             ORDER BY r.effective_from)
              FROM product_gst_rates r
             WHERE r.product_id = p.id
        ), '[]'::jsonb)
    )
      FROM products p
     WHERE p.id = (product ->> 'id')::bigint
$$;

CREATE FUNCTION warehouse_document(warehouse jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', w.id, 'code', w.code, 'name', w.name, 'stateCode', w.state_code,
        'active', w.active, 'version', w.version
    )
      FROM warehouses w
     WHERE w.id = (warehouse ->> 'id')::bigint
$$;

CREATE FUNCTION vendor_document(vendor jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', v.id, 'name', v.name, 'gstin', v.gstin, 'stateCode', v.state_code,
        'paymentTermsDays', v.payment_terms_days, 'active', v.active, 'version', v.version
    )
      FROM vendors v
     WHERE v.id = (vendor ->> 'id')::bigint
$$;

CREATE CONSTRAINT TRIGGER products_created AFTER INSERT ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('product.created', 'product', 'product_document');
CREATE CONSTRAINT TRIGGER products_updated AFTER UPDATE ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('product.updated', 'product', 'product_document');

CREATE CONSTRAINT TRIGGER warehouses_created AFTER INSERT ON warehouses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('warehouse.created', 'warehouse', 'warehouse_document');
CREATE CONSTRAINT TRIGGER warehouses_updated AFTER UPDATE ON warehouses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('warehouse.updated', 'warehouse', 'warehouse_document');

CREATE CONSTRAINT TRIGGER vendors_created AFTER INSERT ON vendors
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('vendor.created', 'vendor', 'vendor_document');
CREATE CONSTRAINT TRIGGER vendors_updated AFTER UPDATE ON vendors
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('vendor.updated', 'vendor', 'vendor_document');
