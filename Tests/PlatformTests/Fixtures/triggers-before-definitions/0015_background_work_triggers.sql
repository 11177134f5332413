-- Product events carry the preferred vendor; every notification raised enqueues its
-- delivery in the same transaction (the outbox, without a relay).

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
            SELECT jsonb_agg(jsonb_build_object('effectiveFrom', r.effective_from, 'rate', r.rate_basis_points)
                             ORDER BY r.effective_from)
              FROM product_gst_rates r
             WHERE r.product_id = p.id
        ), '[]'::jsonb)
    )
      FROM products p
     WHERE p.id = (product ->> 'id')::bigint
$$;

-- One statement for all the notifications a statement raised; the dedupe key keeps a
-- notification from having two deliveries pending at once.
CREATE FUNCTION notifications_enqueue_delivery() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, queue, payload, max_attempts, dedupe_key)
    SELECT 'notification.deliver', 'notifications', jsonb_build_object('subject', subject), 25,
           'notification.deliver:' || subject
      FROM raised
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER notifications_deliver
    AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS raised
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_enqueue_delivery();
