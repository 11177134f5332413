-- Inventory: posted stock documents (issues, transfers, adjustments). Repeatable
-- (re-applied when its text changes). Each becomes an event whose payload is the whole
-- document, as the API shows it (camelCase), plus `movements`: one signed quantity per
-- product × warehouse × batch, the same shape for every document kind (goods receipts
-- and purchase returns too), so the stock projectors and `erp verify` add them up
-- without knowing each kind's rules. The triggers are deferred to commit, when the
-- lines are written.
--
-- The document functions the triggers call are PL/pgSQL: a plain SQL function that
-- cannot be inlined is planned again on every call (about 0.8 ms for stock_document),
-- while PL/pgSQL keeps its plan for the session.
--
-- after: event_log.sql

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
                           'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', m.quantity,
                           'unitCost', round(abs(m.value)::numeric / abs(m.quantity))::bigint, 'value', m.value)
                       ORDER BY m.line_number, m.leg)
                  FROM (
                        -- Issues and transfers take stock out of warehouse_id; adjustments are signed.
                        -- The line's value is its first leg's, signed the same way.
                        SELECT l.line_number, 1 AS leg, l.product_id, d.warehouse_id, l.batch_id,
                               CASE d.kind WHEN 'adjustment' THEN l.quantity ELSE -l.quantity END AS quantity,
                               l.value_paise AS value
                          FROM stock_document_lines l
                         WHERE l.document_id = d.id
                        UNION ALL
                        -- A transfer puts it into to_warehouse_id, with the value it took out.
                        SELECT l.line_number, 2, l.product_id, d.to_warehouse_id, l.batch_id, l.quantity, -l.value_paise
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
SELECT document_event_trigger('stock_document');

DROP TRIGGER IF EXISTS stock_issue_posted ON stock_documents;
CREATE CONSTRAINT TRIGGER stock_issue_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'issue')
    EXECUTE FUNCTION stock_document_event('stock.issued', 'stock_issue');
DROP TRIGGER IF EXISTS stock_transfer_posted ON stock_documents;
CREATE CONSTRAINT TRIGGER stock_transfer_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'transfer')
    EXECUTE FUNCTION stock_document_event('stock.transferred', 'stock_transfer');
DROP TRIGGER IF EXISTS stock_adjustment_posted ON stock_documents;
CREATE CONSTRAINT TRIGGER stock_adjustment_posted AFTER INSERT ON stock_documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'adjustment')
    EXECUTE FUNCTION stock_document_event('stock.adjusted', 'stock_adjustment');

-- What the daily expiry scan found: a batch × warehouse with stock on hand that expires
-- within the scan's window (or already has). The payload names the batch, product and
-- warehouse as a person reads them, for the notification it raises.
CREATE OR REPLACE FUNCTION batch_expiry_document(document jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', f.id, 'batchId', f.batch_id, 'productId', b.product_id, 'warehouseId', f.warehouse_id,
        'finding', f.finding, 'batchNumber', b.batch_number, 'expiresOn', b.expires_on,
        'quantity', f.quantity, 'daysLeft', f.days_left, 'detectedOn', f.detected_on, 'windowDays', f.window_days,
        'sku', p.sku, 'productName', p.name, 'warehouseCode', w.code
    )
      FROM batch_expiry_findings f
      JOIN batches b ON b.id = f.batch_id
      JOIN products p ON p.id = b.product_id
      JOIN warehouses w ON w.id = f.warehouse_id
     WHERE f.id = (document ->> 'id')::bigint
$$;
SELECT document_event_trigger('batch_expiry_document');

DROP TRIGGER IF EXISTS batch_expiry_detected ON batch_expiry_findings;
CREATE CONSTRAINT TRIGGER batch_expiry_detected AFTER INSERT ON batch_expiry_findings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION batch_expiry_document_event('batch.expiry_detected', 'batch_expiry_finding');
