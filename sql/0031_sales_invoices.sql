-- Sales: tax invoices (counter sales today; B2B invoices against deliveries next), their
-- lines and the payments a counter sale takes. An invoice is issued once and never
-- changed; a credit note corrects it. The number is set by the command's last
-- statement (DocumentSeries), in the same transaction as the insert.

CREATE TABLE invoices (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('counter_sale', 'b2b')),
    number             text        CHECK (number ~ '^[A-Z1-9][A-Z0-9/-]{0,15}$'),
    -- The calendar year of the invoice's financial year's 1 April.
    financial_year     integer     NOT NULL,
    invoice_date       date        NOT NULL,
    warehouse_id       bigint      NOT NULL REFERENCES warehouses,
    customer_id        bigint      REFERENCES customers,
    -- An unregistered buyer's details as given at the counter.
    buyer_name         text        CHECK (length(buyer_name) BETWEEN 1 AND 200),
    buyer_phone        text        CHECK (length(buyer_phone) BETWEEN 1 AND 20),
    buyer_address      text        CHECK (length(buyer_address) BETWEEN 1 AND 300),
    place_of_supply    text        NOT NULL CHECK (place_of_supply ~ '^[0-9]{2}$'),
    -- The company profile as it was when the invoice was issued (Rule 46 (a)).
    supplier           jsonb       NOT NULL,
    discount_paise     bigint      NOT NULL CHECK (discount_paise >= 0),
    taxable_paise      bigint      NOT NULL CHECK (taxable_paise >= 0),
    cgst_paise         bigint      NOT NULL CHECK (cgst_paise >= 0),
    sgst_paise         bigint      NOT NULL CHECK (sgst_paise >= 0),
    igst_paise         bigint      NOT NULL CHECK (igst_paise >= 0),
    round_off_paise    bigint      NOT NULL CHECK (round_off_paise BETWEEN -99 AND 99),
    total_paise        bigint      NOT NULL CHECK (total_paise >= 0),
    issued_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise + round_off_paise),
    CHECK (cgst_paise = 0 AND sgst_paise = 0 OR igst_paise = 0)
);

-- Unique within the financial year however it is capitalised (numbers are stored upper-case).
CREATE UNIQUE INDEX invoices_number ON invoices (financial_year, upper(number));
CREATE INDEX invoices_date ON invoices (invoice_date, id);

CREATE TABLE invoice_lines (
    invoice_id             bigint  NOT NULL REFERENCES invoices,
    line_number            integer NOT NULL CHECK (line_number > 0),
    product_id             bigint  NOT NULL REFERENCES products,
    batch_id               bigint  NOT NULL REFERENCES batches,
    description            text    NOT NULL,
    hsn_code               text    NOT NULL CHECK (hsn_code ~ '^([0-9]{4}|[0-9]{6}|[0-9]{8})$'),
    unit                   text    NOT NULL,
    quantity               bigint  NOT NULL CHECK (quantity > 0),
    unit_price_paise       bigint  NOT NULL CHECK (unit_price_paise >= 0),
    price_basis            text    NOT NULL CHECK (price_basis IN ('inclusive', 'exclusive')),
    discount_paise         bigint  NOT NULL CHECK (discount_paise >= 0),
    taxable_paise          bigint  NOT NULL CHECK (taxable_paise >= 0),
    gst_rate_basis_points  integer NOT NULL CHECK (gst_rate_basis_points BETWEEN 0 AND 10000),
    cgst_paise             bigint  NOT NULL,
    sgst_paise             bigint  NOT NULL,
    igst_paise             bigint  NOT NULL,
    -- What the stock cost at moving-average cost when it left (StockLedger).
    cost_paise             bigint  NOT NULL CHECK (cost_paise >= 0),
    PRIMARY KEY (invoice_id, line_number)
);

CREATE TABLE invoice_payments (
    invoice_id    bigint  NOT NULL REFERENCES invoices,
    line_number   integer NOT NULL CHECK (line_number > 0),
    mode          text    NOT NULL CHECK (mode IN ('cash', 'upi', 'card')),
    reference     text    CHECK (length(reference) BETWEEN 1 AND 64),
    amount_paise  bigint  NOT NULL CHECK (amount_paise > 0),
    PRIMARY KEY (invoice_id, line_number),
    CHECK (mode = 'cash' OR reference IS NOT NULL)
);
