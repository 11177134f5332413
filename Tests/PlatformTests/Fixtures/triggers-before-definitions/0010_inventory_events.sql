-- Posted stock and purchasing documents become events whose payload is the whole
-- document, as the API shows it (camelCase). Documents that move stock also carry
-- `movements`: one signed quantity per product × warehouse × batch, the same shape
-- for every document kind, so the stock projectors and `erp verify` add them up
-- without knowing each kind's rules. The triggers are deferred to commit, when the
-- lines are written.

CREATE FUNCTION stock_document(document jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', d.id, 'kind', d.kind, 'warehouseId', d.warehouse_id, 'toWarehouseId', d.to_warehouse_id,
        'reason', d.reason, 'reference', d.reference, 'note', d.note,
        'postedOn', d.posted_on, 'postedAt', d.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'productId', l.product_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', l.quantity)
                   ORDER BY l.line_number)
              FROM stock_document_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.document_id = d.id
        ),
        'movements', (
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', m.product_id, 'warehouseId', m.warehouse_id, 'batchId', m.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', m.quantity)
                   ORDER BY m.line_number, m.leg)
              FROM (
                    -- Issues and transfers take stock out of warehouse_id; adjustments are signed.
                    SELECT l.line_number, 1 AS leg, l.product_id, d.warehouse_id, l.batch_id,
                           CASE d.kind WHEN 'adjustment' THEN l.quantity ELSE -l.quantity END AS quantity
                      FROM stock_document_lines l
                     WHERE l.document_id = d.id
                    UNION ALL
                    -- A transfer puts it into to_warehouse_id.
                    SELECT l.line_number, 2, l.product_id, d.to_warehouse_id, l.batch_id, l.quantity
                      FROM stock_document_lines l
                     WHERE l.document_id = d.id AND d.kind = 'transfer'
                   ) m
              JOIN batches b ON b.id = m.batch_id
        )
    )
      FROM stock_documents d
     WHERE d.id = (document ->> 'id')::bigint
$$;

CREATE FUNCTION purchase_order_document(purchase_order jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', o.id, 'vendorId', o.vendor_id, 'warehouseId', o.warehouse_id, 'status', o.status,
        'orderedOn', o.ordered_on, 'expectedOn', o.expected_on, 'note', o.note,
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

CREATE FUNCTION goods_receipt_document(receipt jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'purchaseOrderId', r.order_id, 'vendorId', r.vendor_id, 'warehouseId', r.warehouse_id,
        'vendorReference', r.vendor_reference, 'receivedOn', r.received_on, 'postedAt', r.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'orderLineNumber', l.order_line_number,
                       'productId', l.product_id, 'batchId', l.batch_id, 'batchNumber', b.batch_number,
                       'manufacturedOn', b.manufactured_on, 'expiresOn', b.expires_on, 'mrp', b.mrp_paise,
                       'quantity', l.quantity, 'unitCost', l.unit_cost_paise)
                   ORDER BY l.line_number)
              FROM goods_receipt_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.receipt_id = r.id
        ),
        'movements', (
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', l.product_id, 'warehouseId', r.warehouse_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', l.quantity,
                       'unitCost', l.unit_cost_paise)
                   ORDER BY l.line_number)
              FROM goods_receipt_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.receipt_id = r.id
        )
    )
      FROM goods_receipts r
     WHERE r.id = (receipt ->> 'id')::bigint
$$;

CREATE FUNCTION vendor_bill_document(bill jsonb) RETURNS jsonb
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

CREATE FUNCTION purchase_return_document(purchase_return jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'goodsReceiptId', r.receipt_id, 'purchaseOrderId', r.order_id, 'vendorId', r.vendor_id,
        'warehouseId', r.warehouse_id, 'reason', r.reason, 'returnedOn', r.returned_on, 'postedAt', r.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'receiptLineNumber', l.receipt_line_number,
                       'orderLineNumber', l.order_line_number, 'productId', l.product_id,
                       'batchId', l.batch_id, 'batchNumber', b.batch_number, 'quantity', l.quantity,
                       'billedQuantity', l.billed_quantity, 'unitCost', l.unit_cost_paise)
                   ORDER BY l.line_number)
              FROM purchase_return_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.return_id = r.id
        ),
        'movements', (
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', l.product_id, 'warehouseId', r.warehouse_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', -l.quantity)
                   ORDER BY l.line_number)
              FROM purchase_return_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.return_id = r.id
        )
    )
      FROM purchase_returns r
     WHERE r.id = (purchase_return ->> 'id')::bigint
$$;

CREATE CONSTRAINT TRIGGER stock_issue_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'issue')
    EXECUTE FUNCTION record_event('stock.issued', 'stock_issue', 'stock_document');
CREATE CONSTRAINT TRIGGER stock_transfer_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'transfer')
    EXECUTE FUNCTION record_event('stock.transferred', 'stock_transfer', 'stock_document');
CREATE CONSTRAINT TRIGGER stock_adjustment_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'adjustment')
    EXECUTE FUNCTION record_event('stock.adjusted', 'stock_adjustment', 'stock_document');

CREATE CONSTRAINT TRIGGER purchase_order_approved AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'approved')
    EXECUTE FUNCTION record_event('purchase_order.approved', 'purchase_order', 'purchase_order_document');
CREATE CONSTRAINT TRIGGER purchase_order_cancelled AFTER UPDATE ON purchase_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status <> 'cancelled' AND NEW.status = 'cancelled')
    EXECUTE FUNCTION record_event('purchase_order.cancelled', 'purchase_order', 'purchase_order_document');

CREATE CONSTRAINT TRIGGER goods_received AFTER INSERT ON goods_receipts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('goods.received', 'goods_receipt', 'goods_receipt_document');
CREATE CONSTRAINT TRIGGER vendor_bill_posted AFTER INSERT ON vendor_bills
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('vendor_bill.posted', 'vendor_bill', 'vendor_bill_document');
CREATE CONSTRAINT TRIGGER purchase_returned AFTER INSERT ON purchase_returns
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('purchase.returned', 'purchase_return', 'purchase_return_document');
