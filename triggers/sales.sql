-- Sales: the company profile, customers and invoices. Repeatable (re-applied when its text
-- changes).
--
-- after: event_log.sql master_data.sql inventory.sql

CREATE OR REPLACE FUNCTION company_document(company jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'legalName', c.legal_name, 'tradeName', c.trade_name,
        'addressLine1', c.address_line1, 'addressLine2', c.address_line2, 'city', c.city, 'pincode', c.pincode,
        'stateCode', c.state_code, 'gstin', c.gstin, 'phone', c.phone, 'email', c.email,
        'drugLicences', c.drug_licences, 'turnoverBand', c.turnover_band,
        'invoicePrefix', c.invoice_prefix, 'counterSalePrefix', c.counter_sale_prefix,
        'creditNotePrefix', c.credit_note_prefix, 'version', c.version
    )
      FROM company_profile c
     WHERE c.id = 1
$$;
SELECT document_event_trigger('company_document');

CREATE OR REPLACE FUNCTION customer_document(customer jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'name', c.name, 'gstin', c.gstin, 'stateCode', c.state_code, 'address', c.address,
        'phone', c.phone, 'drugLicences', c.drug_licences, 'creditLimitPaise', c.credit_limit_paise,
        'paymentTermsDays', c.payment_terms_days, 'minimumShelfLifeDays', c.minimum_shelf_life_days,
        'active', c.active, 'version', c.version
    )
      FROM customers c
     WHERE c.id = (customer ->> 'id')::bigint
$$;
SELECT document_event_trigger('customer_document');

DROP TRIGGER IF EXISTS company_profile_skip_unchanged ON company_profile;
CREATE TRIGGER company_profile_skip_unchanged BEFORE UPDATE ON company_profile
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS company_profile_updated ON company_profile;
CREATE CONSTRAINT TRIGGER company_profile_updated AFTER UPDATE ON company_profile
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION company_document_event('company.updated', 'company');

DROP TRIGGER IF EXISTS customers_skip_unchanged ON customers;
CREATE TRIGGER customers_skip_unchanged BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS customers_created ON customers;
CREATE CONSTRAINT TRIGGER customers_created AFTER INSERT ON customers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION customer_document_event('customer.created', 'customer');
DROP TRIGGER IF EXISTS customers_updated ON customers;
CREATE CONSTRAINT TRIGGER customers_updated AFTER UPDATE ON customers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION customer_document_event('customer.updated', 'customer');

-- An invoice with its lines (batch, expiry and manufacturer on each, Rule 46 and the
-- Drugs Rules), its payments, and `movements`: the stock it took out, at cost.
CREATE OR REPLACE FUNCTION invoice_document(invoice jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT jsonb_build_object(
            'id', i.id, 'kind', i.kind, 'number', i.number, 'invoiceDate', i.invoice_date,
            'financialYear', i.financial_year, 'warehouseId', i.warehouse_id, 'customerId', i.customer_id,
            'buyerName', i.buyer_name, 'buyerPhone', i.buyer_phone, 'buyerAddress', i.buyer_address,
            'placeOfSupply', i.place_of_supply, 'supplier', i.supplier,
            'discount', i.discount_paise, 'taxable', i.taxable_paise, 'cgst', i.cgst_paise, 'sgst', i.sgst_paise,
            'igst', i.igst_paise, 'roundOff', i.round_off_paise, 'total', i.total_paise, 'issuedAt', i.issued_at,
            'recipient', i.recipient,
            'deliveryIds', COALESCE((SELECT jsonb_agg(d.id ORDER BY d.id) FROM deliveries d WHERE d.invoice_id = i.id), '[]'::jsonb),
            'lines', (
                SELECT jsonb_agg(jsonb_build_object(
                           'lineNumber', l.line_number, 'productId', l.product_id, 'batchId', l.batch_id,
                           'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'manufacturer', p.brand,
                           'description', l.description, 'hsnCode', l.hsn_code, 'unit', l.unit,
                           'quantity', l.quantity, 'unitPrice', l.unit_price_paise, 'priceBasis', l.price_basis,
                           'discount', l.discount_paise, 'taxable', l.taxable_paise,
                           'gstRate', l.gst_rate_basis_points, 'cgst', l.cgst_paise, 'sgst', l.sgst_paise,
                           'igst', l.igst_paise, 'cost', l.cost_paise, 'deliveryId', l.delivery_id)
                       ORDER BY l.line_number)
                  FROM invoice_lines l
                  JOIN batches b ON b.id = l.batch_id
                  JOIN products p ON p.id = l.product_id
                 WHERE l.invoice_id = i.id
            ),
            'payments', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('mode', y.mode, 'reference', y.reference, 'amount', y.amount_paise)
                       ORDER BY y.line_number)
                  FROM invoice_payments y
                 WHERE y.invoice_id = i.id
            ), '[]'::jsonb),
            -- A counter sale takes the stock out; a B2B invoice bills deliveries, whose
            -- goods.delivered took it out.
            'movements', COALESCE((
                SELECT jsonb_agg(jsonb_build_object(
                           'productId', l.product_id, 'warehouseId', i.warehouse_id, 'batchId', l.batch_id,
                           'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', -l.quantity,
                           'unitCost', round(l.cost_paise::numeric / l.quantity)::bigint, 'value', -l.cost_paise)
                       ORDER BY l.line_number)
                  FROM invoice_lines l
                  JOIN batches b ON b.id = l.batch_id
                 WHERE l.invoice_id = i.id AND i.kind = 'counter_sale'
            ), '[]'::jsonb)
        )
          FROM invoices i
         WHERE i.id = (invoice ->> 'id')::bigint
    );
END
$$;

-- Document number `sequence` of a series and year whose numbers start with `head`
-- (`CS/26-27/`): the sequence padded to fill 16 characters; NULL when it does not fit.
CREATE OR REPLACE FUNCTION document_number(head text, sequence bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(sequence::text) <= 16 - length(head)
                THEN head || lpad(sequence::text, 16 - length(head), '0') END
$$;

-- The payload of invoice.issued, fired at the commit of the invoice's transaction: an
-- invoice written without a number (as the commands write them) is numbered here, last
-- in its series (B2B or counter sale) and financial year, after its document is built,
-- so the series row is locked only from here to the end of the commit and no round trip
-- to the client happens under it. A rollback gives the number back.
CREATE OR REPLACE FUNCTION issue_invoice(invoice jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    document    jsonb := invoice_document(invoice);
    series_name text := CASE invoice ->> 'kind' WHEN 'counter_sale' THEN 'counter_sale' ELSE 'invoice' END;
    fiscal_year integer := (invoice ->> 'financial_year')::integer;
    prefix      text := invoice -> 'supplier'
                        ->> CASE series_name WHEN 'counter_sale' THEN 'counterSalePrefix' ELSE 'invoicePrefix' END;
    -- As FinancialYear.shortLabel: 2026 is 26-27.
    head        text := upper(prefix) || lpad((fiscal_year % 100)::text, 2, '0') || '-'
                        || lpad(((fiscal_year + 1) % 100)::text, 2, '0') || '/';
    next_number bigint;
    issued      text;
BEGIN
    IF invoice ->> 'number' IS NOT NULL THEN
        RETURN document;
    END IF;
    IF prefix IS NULL THEN
        RAISE EXCEPTION 'invoice % has no % prefix in its supplier profile', invoice ->> 'id', series_name;
    END IF;
    INSERT INTO document_series AS s (series, financial_year, last_number)
    VALUES (series_name, fiscal_year, 1)
    ON CONFLICT ON CONSTRAINT document_series_pkey DO UPDATE SET last_number = s.last_number + 1
    RETURNING s.last_number INTO next_number;
    issued := document_number(head, next_number);
    IF issued IS NULL THEN
        RAISE EXCEPTION 'the % series % has used every number of its financial year that fits in 16 characters',
            series_name, head USING ERRCODE = 'program_limit_exceeded';
    END IF;
    UPDATE invoices SET number = issued WHERE id = (invoice ->> 'id')::bigint;
    RETURN jsonb_set(document, '{number}', to_jsonb(issued));
END
$$;
SELECT document_event_trigger('issue_invoice');

DROP TRIGGER IF EXISTS invoices_issued ON invoices;
CREATE CONSTRAINT TRIGGER invoices_issued AFTER INSERT ON invoices
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION issue_invoice_event('invoice.issued', 'invoice');

-- A sales order with its lines.
CREATE OR REPLACE FUNCTION sales_order_document(sales_order jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', o.id, 'customerId', o.customer_id, 'warehouseId', o.warehouse_id, 'status', o.status,
        'orderedOn', o.ordered_on, 'reference', o.reference, 'total', o.total_paise, 'confirmedAt', o.confirmed_at,
        'version', o.version,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'productId', l.product_id, 'quantity', l.quantity,
                       'ratePaise', l.rate_paise, 'discountPercentBasisPoints', l.discount_basis_points,
                       'discountPaise', l.discount_paise, 'delivered', l.delivered, 'invoiced', l.invoiced)
                   ORDER BY l.line_number)
              FROM sales_order_lines l
             WHERE l.order_id = o.id
        )
    )
      FROM sales_orders o
     WHERE o.id = (sales_order ->> 'id')::bigint
$$;

-- sales_order.confirmed: the order and the stock it reserves, each line's quantity.
CREATE OR REPLACE FUNCTION sales_order_confirmed_document(sales_order jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT sales_order_document(sales_order) || jsonb_build_object('reservations', COALESCE((
               SELECT jsonb_agg(jsonb_build_object('productId', l.product_id, 'warehouseId', o.warehouse_id,
                                                   'quantity', l.quantity) ORDER BY l.line_number)
                 FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id
                WHERE o.id = (sales_order ->> 'id')::bigint), '[]'::jsonb))
$$;
SELECT document_event_trigger('sales_order_confirmed_document');

-- sales_order.cancelled: the order and the reservations it gives back (none for a draft).
CREATE OR REPLACE FUNCTION sales_order_cancelled_document(sales_order jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT sales_order_document(sales_order) || jsonb_build_object('reservations', COALESCE((
               SELECT jsonb_agg(jsonb_build_object('productId', l.product_id, 'warehouseId', o.warehouse_id,
                                                   'quantity', -(l.quantity - l.delivered)) ORDER BY l.line_number)
                 FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id
                WHERE o.id = (sales_order ->> 'id')::bigint AND o.confirmed_at IS NOT NULL
                  AND l.quantity > l.delivered), '[]'::jsonb))
$$;
SELECT document_event_trigger('sales_order_cancelled_document');

DROP TRIGGER IF EXISTS sales_orders_confirmed ON sales_orders;
CREATE CONSTRAINT TRIGGER sales_orders_confirmed AFTER UPDATE ON sales_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'confirmed')
    EXECUTE FUNCTION sales_order_confirmed_document_event('sales_order.confirmed', 'sales_order');
DROP TRIGGER IF EXISTS sales_orders_cancelled ON sales_orders;
CREATE CONSTRAINT TRIGGER sales_orders_cancelled AFTER UPDATE ON sales_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status <> 'cancelled' AND NEW.status = 'cancelled')
    EXECUTE FUNCTION sales_order_cancelled_document_event('sales_order.cancelled', 'sales_order');

-- A delivery: its lines (a batch each), the stock that left at cost, and the
-- reservations of its order it used up.
CREATE OR REPLACE FUNCTION delivery_document(delivery jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', d.id, 'salesOrderId', d.order_id, 'customerId', d.customer_id, 'warehouseId', d.warehouse_id,
        'deliveredOn', d.delivered_on, 'invoiceId', d.invoice_id,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'orderLine', l.order_line, 'productId', l.product_id,
                       'batchId', l.batch_id, 'batchNumber', b.batch_number, 'expiresOn', b.expires_on,
                       'quantity', l.quantity, 'cost', -l.value_paise)
                   ORDER BY l.line_number)
              FROM delivery_lines l JOIN batches b ON b.id = l.batch_id
             WHERE l.delivery_id = d.id
        ),
        'movements', (
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', l.product_id, 'warehouseId', d.warehouse_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', -l.quantity,
                       'unitCost', round(-l.value_paise::numeric / l.quantity)::bigint, 'value', l.value_paise)
                   ORDER BY l.line_number)
              FROM delivery_lines l JOIN batches b ON b.id = l.batch_id
             WHERE l.delivery_id = d.id
        ),
        'reservations', (
            SELECT jsonb_agg(jsonb_build_object('productId', l.product_id, 'warehouseId', d.warehouse_id,
                                                'quantity', -l.quantity) ORDER BY l.line_number)
              FROM delivery_lines l
             WHERE l.delivery_id = d.id
        )
    )
      FROM deliveries d
     WHERE d.id = (delivery ->> 'id')::bigint
$$;
SELECT document_event_trigger('delivery_document');

DROP TRIGGER IF EXISTS deliveries_delivered ON deliveries;
CREATE CONSTRAINT TRIGGER deliveries_delivered AFTER INSERT ON deliveries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION delivery_document_event('goods.delivered', 'delivery');

-- A credit note: the invoice it cites (number and date), its lines, how a counter sale's
-- buyer is paid back (`refundMode`; null on a B2B invoice's note), and `movements`: the
-- returned goods put back into their batches at the cost they left with.
CREATE OR REPLACE FUNCTION credit_note_document(credit_note jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', n.id, 'number', n.number, 'noteDate', n.note_date, 'financialYear', n.financial_year,
        'invoiceId', n.invoice_id, 'invoiceNumber', i.number, 'invoiceDate', i.invoice_date, 'reason', n.reason,
        'note', n.note, 'warehouseId', n.warehouse_id, 'customerId', n.customer_id, 'recipient', i.recipient,
        'buyerName', i.buyer_name, 'placeOfSupply', n.place_of_supply, 'supplier', n.supplier,
        'taxable', n.taxable_paise, 'cgst', n.cgst_paise, 'sgst', n.sgst_paise, 'igst', n.igst_paise,
        'roundOff', n.round_off_paise, 'total', n.total_paise, 'refundMode', n.refund_mode,
        'issuedAt', n.issued_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'invoiceLine', l.invoice_line, 'productId', l.product_id,
                       'batchId', l.batch_id, 'batchNumber', b.batch_number, 'quantity', l.quantity,
                       'disposition', l.disposition, 'taxable', l.taxable_paise, 'cgst', l.cgst_paise,
                       'sgst', l.sgst_paise, 'igst', l.igst_paise, 'cost', l.cost_paise)
                   ORDER BY l.line_number)
              FROM credit_note_lines l JOIN batches b ON b.id = l.batch_id
             WHERE l.credit_note_id = n.id
        ),
        'movements', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'productId', l.product_id, 'warehouseId', n.warehouse_id, 'batchId', l.batch_id,
                       'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', l.quantity,
                       'unitCost', round(l.cost_paise::numeric / l.quantity)::bigint, 'value', l.cost_paise)
                   ORDER BY l.line_number)
              FROM credit_note_lines l JOIN batches b ON b.id = l.batch_id
             WHERE l.credit_note_id = n.id AND l.disposition = 'restock'
        ), '[]'::jsonb)
    )
      FROM credit_notes n
      JOIN invoices i ON i.id = n.invoice_id
     WHERE n.id = (credit_note ->> 'id')::bigint
$$;
SELECT document_event_trigger('credit_note_document');

DROP TRIGGER IF EXISTS credit_notes_issued ON credit_notes;
CREATE CONSTRAINT TRIGGER credit_notes_issued AFTER INSERT ON credit_notes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION credit_note_document_event('credit_note.issued', 'credit_note');
