-- Purchasing: purchase orders, goods receipts, vendor bills and purchase returns.
-- Repeatable (re-applied when its text changes). Each posted document (and each edit,
-- approval or cancellation of an order) becomes an event whose payload is the whole
-- document as the API shows it; receipts and returns carry `movements` like the stock
-- documents (see inventory.sql). The triggers are deferred to commit, when the lines
-- are written.
--
-- after: event_log.sql

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
SELECT document_event_trigger('purchase_order_document');

-- PL/pgSQL, to keep its plan for the session (see inventory.sql). The lines and the
-- movements come from one scan of the lines: with a subquery each it cost a fifth more.
CREATE OR REPLACE FUNCTION goods_receipt_document(receipt jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT jsonb_build_object(
            'id', r.id, 'purchaseOrderId', r.order_id, 'vendorId', r.vendor_id, 'warehouseId', r.warehouse_id,
            'vendorReference', r.vendor_reference, 'receivedOn', r.received_on, 'postedAt', r.posted_at,
            'lines', x.lines, 'movements', x.movements
        )
          FROM goods_receipts r,
               LATERAL (
                   SELECT jsonb_agg(jsonb_build_object(
                              'lineNumber', l.line_number, 'orderLineNumber', l.order_line_number,
                              'productId', l.product_id, 'batchId', l.batch_id, 'batchNumber', b.batch_number,
                              'manufacturedOn', b.manufactured_on, 'expiresOn', b.expires_on, 'mrp', b.mrp_paise,
                              'quantity', l.quantity, 'unitCost', l.unit_cost_paise)
                          ORDER BY l.line_number) AS lines,
                          jsonb_agg(jsonb_build_object(
                              'productId', l.product_id, 'warehouseId', r.warehouse_id, 'batchId', l.batch_id,
                              'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', l.quantity,
                              'unitCost', l.unit_cost_paise, 'value', l.quantity * l.unit_cost_paise)
                          ORDER BY l.line_number) AS movements
                     FROM goods_receipt_lines l
                     JOIN batches b ON b.id = l.batch_id
                    WHERE l.receipt_id = r.id
               ) x
         WHERE r.id = (receipt ->> 'id')::bigint
    );
END
$$;
SELECT document_event_trigger('goods_receipt_document');

CREATE OR REPLACE FUNCTION vendor_bill_document(bill jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', v.id, 'vendorId', v.vendor_id, 'purchaseOrderId', v.order_id, 'billNumber', v.bill_number,
        'billDate', v.bill_date, 'supply', v.supply, 'taxable', v.taxable_paise, 'cgst', v.cgst_paise,
        'sgst', v.sgst_paise, 'igst', v.igst_paise, 'total', v.total_paise,
        'priceVariance', v.price_variance_paise, 'postedAt', v.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'orderLineNumber', l.order_line_number,
                       'productId', l.product_id, 'quantity', l.quantity, 'unitPrice', l.unit_price_paise,
                       'orderedUnitCost', l.ordered_unit_cost_paise, 'priceVariance', l.price_variance_paise,
                       'gstRate', l.gst_rate_basis_points, 'taxable', l.taxable_paise,
                       'cgst', l.cgst_paise, 'sgst', l.sgst_paise, 'igst', l.igst_paise)
                   ORDER BY l.line_number)
              FROM vendor_bill_lines l
             WHERE l.bill_id = v.id
        )
    )
      FROM vendor_bills v
     WHERE v.id = (bill ->> 'id')::bigint
$$;
SELECT document_event_trigger('vendor_bill_document');

CREATE OR REPLACE FUNCTION purchase_return_document(purchase_return jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'goodsReceiptId', r.receipt_id, 'purchaseOrderId', r.order_id, 'vendorId', r.vendor_id,
        'warehouseId', r.warehouse_id, 'reason', r.reason, 'returnedOn', r.returned_on, 'postedAt', r.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'receiptLineNumber', l.receipt_line_number,
                       'orderLineNumber', l.order_line_number, 'productId', l.product_id,
                       'batchId', l.batch_id, 'batchNumber', b.batch_number, 'quantity', l.quantity,
                       'billedQuantity', l.billed_quantity, 'unitCost', l.unit_cost_paise,
                       'billedTaxable', l.billed_taxable_paise, 'cgst', l.cgst_paise, 'sgst', l.sgst_paise,
                       'igst', l.igst_paise)
                   ORDER BY l.line_number)
              FROM purchase_return_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.return_id = r.id
        ),
        'movements', (
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', l.product_id, 'warehouseId', r.warehouse_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', -l.quantity,
                       'unitCost', round(abs(l.value_paise)::numeric / l.quantity)::bigint, 'value', l.value_paise)
                   ORDER BY l.line_number)
              FROM purchase_return_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.return_id = r.id
        )
    )
      FROM purchase_returns r
     WHERE r.id = (purchase_return ->> 'id')::bigint
$$;
SELECT document_event_trigger('purchase_return_document');

DROP TRIGGER IF EXISTS purchase_order_approved ON purchase_orders;
CREATE CONSTRAINT TRIGGER purchase_order_approved AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'approved')
    EXECUTE FUNCTION purchase_order_document_event('purchase_order.approved', 'purchase_order');
DROP TRIGGER IF EXISTS purchase_order_cancelled ON purchase_orders;
CREATE CONSTRAINT TRIGGER purchase_order_cancelled AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status <> 'cancelled' AND NEW.status = 'cancelled')
    EXECUTE FUNCTION purchase_order_document_event('purchase_order.cancelled', 'purchase_order');
DROP TRIGGER IF EXISTS purchase_order_updated ON purchase_orders;
CREATE CONSTRAINT TRIGGER purchase_order_updated AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'draft' AND OLD.version <> NEW.version)
    EXECUTE FUNCTION purchase_order_document_event('purchase_order.updated', 'purchase_order');

DROP TRIGGER IF EXISTS goods_received ON goods_receipts;
CREATE CONSTRAINT TRIGGER goods_received AFTER INSERT ON goods_receipts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION goods_receipt_document_event('goods.received', 'goods_receipt');
DROP TRIGGER IF EXISTS vendor_bill_posted ON vendor_bills;
CREATE CONSTRAINT TRIGGER vendor_bill_posted AFTER INSERT ON vendor_bills
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION vendor_bill_document_event('vendor_bill.posted', 'vendor_bill');
DROP TRIGGER IF EXISTS purchase_returned ON purchase_returns;
CREATE CONSTRAINT TRIGGER purchase_returned AFTER INSERT ON purchase_returns
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION purchase_return_document_event('purchase.returned', 'purchase_return');
