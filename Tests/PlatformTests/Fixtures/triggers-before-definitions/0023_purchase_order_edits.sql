-- An edit of a draft purchase order is an event, and the order's document carries its version.

CREATE OR REPLACE FUNCTION purchase_order_document(purchase_order jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', o.id, 'vendorId', o.vendor_id, 'warehouseId', o.warehouse_id, 'status', o.status,
        'orderedOn', o.ordered_on, 'expectedOn', o.expected_on, 'note', o.note, 'version', o.version,
        'approvedAt', o.approved_at, 'cancelledAt', o.cancelled_at,
        'total', (SELECT sum(l.quantity * l.unit_cost_paise) FROM purchase_order_lines l WHERE l.order_id = o.id),
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'productId', l.product_id, 'quantity', l.quantity,
                       'unitCost', l.unit_cost_paise, 'receivedQuantity', l.received_quantity,
                       'billedQuantity', l.billed_quantity)
                   ORDER BY l.line_number)
              FROM purchase_order_lines l
             WHERE l.order_id = o.id
        )
    )
      FROM purchase_orders o
     WHERE o.id = (purchase_order ->> 'id')::bigint
$$;

-- Deferred like the others, so the document is built once the edit's lines are in place.
CREATE CONSTRAINT TRIGGER purchase_order_updated AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'draft' AND OLD.version <> NEW.version)
    EXECUTE FUNCTION record_event('purchase_order.updated', 'purchase_order', 'purchase_order_document');
