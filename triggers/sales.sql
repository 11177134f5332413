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

DROP TRIGGER IF EXISTS company_profile_skip_unchanged ON company_profile;
CREATE TRIGGER company_profile_skip_unchanged BEFORE UPDATE ON company_profile
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS company_profile_updated ON company_profile;
CREATE CONSTRAINT TRIGGER company_profile_updated AFTER UPDATE ON company_profile
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('company.updated', 'company', 'company_document');

DROP TRIGGER IF EXISTS customers_skip_unchanged ON customers;
CREATE TRIGGER customers_skip_unchanged BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS customers_created ON customers;
CREATE CONSTRAINT TRIGGER customers_created AFTER INSERT ON customers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('customer.created', 'customer', 'customer_document');
DROP TRIGGER IF EXISTS customers_updated ON customers;
CREATE CONSTRAINT TRIGGER customers_updated AFTER UPDATE ON customers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('customer.updated', 'customer', 'customer_document');

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
            'lines', (
                SELECT jsonb_agg(jsonb_build_object(
                           'lineNumber', l.line_number, 'productId', l.product_id, 'batchId', l.batch_id,
                           'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'manufacturer', p.brand,
                           'description', l.description, 'hsnCode', l.hsn_code, 'unit', l.unit,
                           'quantity', l.quantity, 'unitPrice', l.unit_price_paise, 'priceBasis', l.price_basis,
                           'discount', l.discount_paise, 'taxable', l.taxable_paise,
                           'gstRate', l.gst_rate_basis_points, 'cgst', l.cgst_paise, 'sgst', l.sgst_paise,
                           'igst', l.igst_paise, 'cost', l.cost_paise)
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
            'movements', (
                SELECT jsonb_agg(jsonb_build_object(
                           'productId', l.product_id, 'warehouseId', i.warehouse_id, 'batchId', l.batch_id,
                           'batchNumber', b.batch_number, 'expiresOn', b.expires_on, 'quantity', -l.quantity,
                           'unitCost', round(l.cost_paise::numeric / l.quantity)::bigint, 'value', -l.cost_paise)
                       ORDER BY l.line_number)
                  FROM invoice_lines l
                  JOIN batches b ON b.id = l.batch_id
                 WHERE l.invoice_id = i.id
            )
        )
          FROM invoices i
         WHERE i.id = (invoice ->> 'id')::bigint
    );
END
$$;

DROP TRIGGER IF EXISTS invoices_issued ON invoices;
CREATE CONSTRAINT TRIGGER invoices_issued AFTER INSERT ON invoices
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION record_event('invoice.issued', 'invoice', 'invoice_document');
