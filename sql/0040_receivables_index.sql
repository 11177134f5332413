-- Receivables aging lists every open B2B invoice: an index holding what it reads of
-- them (date, number, customer, total) is scanned alone, without the invoices' rows and
-- their supplier and recipient profiles (an index-only scan once vacuumed).
CREATE INDEX invoices_b2b_aging ON invoices (invoice_date) INCLUDE (id, number, customer_id, total_paise)
    WHERE kind = 'b2b';
