-- Sales: the company profile and customers. Repeatable (re-applied when its text
-- changes).
--
-- after: event_log.sql master_data.sql

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
