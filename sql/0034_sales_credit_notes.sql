-- Sales: credit notes against tax invoices (Sec 34, Rule 53): goods returned (back into
-- their batch at the cost they left with, or written off) or a price reduction without
-- goods. Numbered in their own series like invoices; issued once, never changed.

CREATE TABLE credit_notes (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number             text        CHECK (number ~ '^[A-Z1-9][A-Z0-9/-]{0,15}$'),
    -- The calendar year of the credit note's financial year's 1 April.
    financial_year     integer     NOT NULL,
    note_date          date        NOT NULL,
    invoice_id         bigint      NOT NULL REFERENCES invoices,
    reason             text        NOT NULL CHECK (reason IN ('return', 'price_reduction')),
    note               text        CHECK (length(note) BETWEEN 1 AND 300),
    warehouse_id       bigint      NOT NULL REFERENCES warehouses,
    customer_id        bigint      REFERENCES customers,
    place_of_supply    text        NOT NULL CHECK (place_of_supply ~ '^[0-9]{2}$'),
    -- The company profile as it was when the note was issued.
    supplier           jsonb       NOT NULL,
    taxable_paise      bigint      NOT NULL CHECK (taxable_paise >= 0),
    cgst_paise         bigint      NOT NULL CHECK (cgst_paise >= 0),
    sgst_paise         bigint      NOT NULL CHECK (sgst_paise >= 0),
    igst_paise         bigint      NOT NULL CHECK (igst_paise >= 0),
    round_off_paise    bigint      NOT NULL CHECK (round_off_paise BETWEEN -99 AND 99),
    total_paise        bigint      NOT NULL CHECK (total_paise >= 0),
    issued_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise + round_off_paise)
);
CREATE UNIQUE INDEX credit_notes_number ON credit_notes (financial_year, upper(number));
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);
CREATE INDEX credit_notes_customer ON credit_notes (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE credit_note_lines (
    credit_note_id   bigint  NOT NULL REFERENCES credit_notes,
    line_number      integer NOT NULL CHECK (line_number > 0),
    invoice_line     integer NOT NULL,
    product_id       bigint  NOT NULL REFERENCES products,
    batch_id         bigint  NOT NULL REFERENCES batches,
    -- Units returned; 0 on a price reduction.
    quantity         bigint  NOT NULL CHECK (quantity >= 0),
    -- restock: back into the batch; write_off: damaged or expired, not sellable; none: no goods.
    disposition      text    NOT NULL CHECK (disposition IN ('restock', 'write_off', 'none')),
    taxable_paise    bigint  NOT NULL CHECK (taxable_paise >= 0),
    cgst_paise       bigint  NOT NULL CHECK (cgst_paise >= 0),
    sgst_paise       bigint  NOT NULL CHECK (sgst_paise >= 0),
    igst_paise       bigint  NOT NULL CHECK (igst_paise >= 0),
    -- What the returned units cost when they left (0 without goods).
    cost_paise       bigint  NOT NULL CHECK (cost_paise >= 0),
    PRIMARY KEY (credit_note_id, line_number),
    CHECK ((quantity = 0) = (disposition = 'none'))
);

-- What credit notes have taken back of each invoice line: never more than it had.
ALTER TABLE invoice_lines
    ADD COLUMN credited_quantity bigint NOT NULL DEFAULT 0,
    ADD COLUMN credited_taxable_paise bigint NOT NULL DEFAULT 0,
    ADD COLUMN credited_tax_paise bigint NOT NULL DEFAULT 0,
    ADD COLUMN credited_cost_paise bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT invoice_lines_credited CHECK (
        credited_quantity BETWEEN 0 AND quantity
        AND credited_taxable_paise BETWEEN 0 AND taxable_paise
        AND credited_tax_paise BETWEEN 0 AND cgst_paise + sgst_paise + igst_paise
        AND credited_cost_paise BETWEEN 0 AND cost_paise);
