-- Finance: inventory accounts for new warehouses, the period lock, and the events of
-- journal entries, payments, allocations and the lock date. Repeatable (re-applied when
-- its text changes). The document triggers are deferred to commit, when the lines and
-- allocations are written.
--
-- after: event_log.sql master_data.sql purchasing.sql sales.sql

-- Each new warehouse gets its inventory account in the same transaction, so the ledger
-- projector always finds one.

CREATE OR REPLACE FUNCTION open_inventory_account() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts (code, name, type, group_id, warehouse_id)
    SELECT '1400/' || NEW.id, 'Inventory ' || NEW.code, 'asset', g.id, NEW.id
      FROM accounts g WHERE g.role = 'inventory'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS warehouses_open_inventory_account ON warehouses;
CREATE TRIGGER warehouses_open_inventory_account AFTER INSERT ON warehouses
    FOR EACH ROW EXECUTE FUNCTION open_inventory_account();

-- Nothing is dated on or before the lock date. The commands refuse first, with the
-- reason; this keeps any other writer (psql, a back-dated vendor bill) to the same rule.
-- The row is read FOR SHARE, so a lock date being moved waits for this transaction.
CREATE OR REPLACE FUNCTION refuse_locked_period() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    dated  date := (to_jsonb(NEW) ->> TG_ARGV[0])::date;
    locked date;
BEGIN
    SELECT lock_date INTO locked FROM finance_settings WHERE id = 1 FOR SHARE;
    IF locked IS NOT NULL AND dated <= locked THEN
        RAISE EXCEPTION '% % is on or before the lock date %', TG_TABLE_NAME, dated, locked
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_lock_date';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS journal_entries_lock_date ON journal_entries;
CREATE TRIGGER journal_entries_lock_date BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_locked_period('entry_date');
DROP TRIGGER IF EXISTS payments_lock_date ON payments;
CREATE TRIGGER payments_lock_date BEFORE INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION refuse_locked_period('payment_date');
DROP TRIGGER IF EXISTS vendor_bills_lock_date ON vendor_bills;
CREATE TRIGGER vendor_bills_lock_date BEFORE INSERT ON vendor_bills
    FOR EACH ROW EXECUTE FUNCTION refuse_locked_period('bill_date');

CREATE OR REPLACE FUNCTION journal_entry_document(entry jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', e.id, 'entryDate', e.entry_date, 'narration', e.narration, 'reversesEntryId', e.reverses_entry_id,
        'reversedByEntryId', (SELECT r.id FROM journal_entries r WHERE r.reverses_entry_id = e.id),
        'postedAt', e.posted_at,
        'lines', (
            SELECT jsonb_agg(jsonb_build_object(
                       'lineNumber', l.line_number, 'accountId', l.account_id, 'accountCode', a.code,
                       'partyType', l.party_type, 'partyId', l.party_id, 'debitPaise', l.debit_paise,
                       'creditPaise', l.credit_paise)
                   ORDER BY l.line_number)
              FROM journal_entry_lines l JOIN accounts a ON a.id = l.account_id
             WHERE l.entry_id = e.id))
      FROM journal_entries e
     WHERE e.id = (entry ->> 'id')::bigint
$$;
SELECT document_event_trigger('journal_entry_document');

CREATE OR REPLACE FUNCTION payment_document(payment jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'direction', p.direction, 'customerId', p.customer_id, 'vendorId', p.vendor_id,
        'mode', p.mode, 'reference', p.reference, 'chequeNumber', p.cheque_number, 'chequeDate', p.cheque_date,
        'accountId', p.account_id, 'accountCode', a.code, 'amountPaise', p.amount_paise,
        'paymentDate', p.payment_date, 'narration', p.narration, 'postedAt', p.posted_at,
        'allocatedPaise', COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x WHERE x.payment_id = p.id), 0),
        'allocations', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('invoiceId', x.invoice_id, 'vendorBillId', x.vendor_bill_id,
                                                'amountPaise', x.amount_paise) ORDER BY x.invoice_id, x.vendor_bill_id)
              FROM (SELECT invoice_id, vendor_bill_id, sum(amount_paise) AS amount_paise
                      FROM payment_allocations WHERE payment_id = p.id
                     GROUP BY 1, 2 HAVING sum(amount_paise) <> 0) x), '[]'::jsonb))
      FROM payments p JOIN accounts a ON a.id = p.account_id
     WHERE p.id = (payment ->> 'id')::bigint
$$;
SELECT document_event_trigger('payment_document');

-- One allocation or unallocation: its payment, party and document, signed.
CREATE OR REPLACE FUNCTION payment_allocation_document(allocation jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', x.id, 'paymentId', x.payment_id, 'direction', p.direction, 'customerId', p.customer_id,
        'vendorId', p.vendor_id, 'invoiceId', x.invoice_id, 'vendorBillId', x.vendor_bill_id,
        'amountPaise', x.amount_paise, 'allocatedAt', x.allocated_at)
      FROM payment_allocations x JOIN payments p ON p.id = x.payment_id
     WHERE x.id = (allocation ->> 'id')::bigint
$$;
SELECT document_event_trigger('payment_allocation_document');

CREATE OR REPLACE FUNCTION finance_settings_document(settings jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('lockDate', s.lock_date, 'version', s.version) FROM finance_settings s WHERE s.id = 1
$$;
SELECT document_event_trigger('finance_settings_document');

DROP TRIGGER IF EXISTS journal_entries_posted ON journal_entries;
CREATE CONSTRAINT TRIGGER journal_entries_posted AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION journal_entry_document_event('journal.posted', 'journal_entry');
DROP TRIGGER IF EXISTS payments_received ON payments;
CREATE CONSTRAINT TRIGGER payments_received AFTER INSERT ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.direction = 'receipt')
    EXECUTE FUNCTION payment_document_event('payment.received', 'customer_receipt');
DROP TRIGGER IF EXISTS payments_made ON payments;
CREATE CONSTRAINT TRIGGER payments_made AFTER INSERT ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.direction = 'payment')
    EXECUTE FUNCTION payment_document_event('payment.made', 'vendor_payment');
DROP TRIGGER IF EXISTS payment_allocations_allocated ON payment_allocations;
CREATE CONSTRAINT TRIGGER payment_allocations_allocated AFTER INSERT ON payment_allocations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.amount_paise > 0)
    EXECUTE FUNCTION payment_allocation_document_event('payment.allocated', 'payment_allocation');
DROP TRIGGER IF EXISTS payment_allocations_unallocated ON payment_allocations;
CREATE CONSTRAINT TRIGGER payment_allocations_unallocated AFTER INSERT ON payment_allocations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.amount_paise < 0)
    EXECUTE FUNCTION payment_allocation_document_event('payment.unallocated', 'payment_allocation');
DROP TRIGGER IF EXISTS finance_lock_date_set ON finance_settings;
CREATE CONSTRAINT TRIGGER finance_lock_date_set AFTER UPDATE ON finance_settings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.lock_date IS DISTINCT FROM NEW.lock_date)
    EXECUTE FUNCTION finance_settings_document_event('finance.lock_date_set', 'finance_settings');

-- An account of the chart as the API shows it.
CREATE OR REPLACE FUNCTION account_document(account jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'code', a.code, 'name', a.name, 'type', a.type, 'groupCode', g.code, 'isGroup', a.is_group,
        'control', a.control, 'warehouseId', a.warehouse_id, 'active', a.active, 'version', a.version)
      FROM accounts a LEFT JOIN accounts g ON g.id = a.group_id
     WHERE a.id = (account ->> 'id')::bigint
$$;
SELECT document_event_trigger('account_document');

DROP TRIGGER IF EXISTS accounts_skip_unchanged ON accounts;
CREATE TRIGGER accounts_skip_unchanged BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION skip_unchanged_update();
DROP TRIGGER IF EXISTS accounts_created ON accounts;
CREATE CONSTRAINT TRIGGER accounts_created AFTER INSERT ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION account_document_event('account.created', 'account');
DROP TRIGGER IF EXISTS accounts_updated ON accounts;
CREATE CONSTRAINT TRIGGER accounts_updated AFTER UPDATE ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION account_document_event('account.updated', 'account');

-- A finding of the overdue scan: the invoice (number, dates, total) and its customer,
-- as they stood on the business date of the scan.
CREATE OR REPLACE FUNCTION invoice_overdue_document(finding jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', f.id, 'invoiceId', f.invoice_id, 'invoiceNumber', i.number, 'invoiceDate', i.invoice_date,
        'customerId', f.customer_id, 'customerName', c.name, 'dueOn', f.due_on, 'totalPaise', i.total_paise,
        'outstandingPaise', f.outstanding_paise, 'daysOverdue', f.days_overdue, 'detectedOn', f.detected_on)
      FROM invoice_overdue_findings f
      JOIN invoices i ON i.id = f.invoice_id
      JOIN customers c ON c.id = f.customer_id
     WHERE f.id = (finding ->> 'id')::bigint
$$;
SELECT document_event_trigger('invoice_overdue_document');

DROP TRIGGER IF EXISTS invoice_overdue_detected ON invoice_overdue_findings;
CREATE CONSTRAINT TRIGGER invoice_overdue_detected AFTER INSERT ON invoice_overdue_findings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION invoice_overdue_document_event('invoice.overdue_detected', 'invoice_overdue_finding');
