-- The document functions the event triggers call for every posted stock document and
-- goods receipt, as PL/pgSQL: a plain SQL function that cannot be inlined is planned
-- again on every call (about 0.8 ms for stock_document), while PL/pgSQL keeps its plan
-- for the session. Same bodies, same payloads as triggers/0010.

CREATE OR REPLACE FUNCTION stock_document(document jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
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
    );
END
$$;

CREATE OR REPLACE FUNCTION goods_receipt_document(receipt jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
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
    );
END
$$;
