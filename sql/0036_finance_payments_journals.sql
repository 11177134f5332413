-- Finance: the period lock date, manual journal entries, and payments (customer receipts
-- and vendor payments) with their allocations to invoices and bills. Each posted row is
-- immutable: a journal is corrected by a reversing entry, an allocation by an
-- unallocation row of the opposite sign.

-- One row: nothing may be posted on or before `lock_date`.
CREATE TABLE finance_settings (
    id         integer PRIMARY KEY CHECK (id = 1),
    lock_date  date,
    version    integer NOT NULL DEFAULT 1
);
INSERT INTO finance_settings (id) VALUES (1);

CREATE TABLE journal_entries (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_date         date        NOT NULL,
    narration          text        NOT NULL CHECK (length(narration) BETWEEN 1 AND 300),
    -- The entry this one reverses, when it is a correction.
    reverses_entry_id  bigint      UNIQUE REFERENCES journal_entries,
    posted_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE journal_entry_lines (
    entry_id      bigint  NOT NULL REFERENCES journal_entries,
    line_number   integer NOT NULL CHECK (line_number > 0),
    account_id    bigint  NOT NULL REFERENCES accounts,
    party_type    text    CHECK (party_type IN ('customer', 'vendor')),
    party_id      bigint,
    debit_paise   bigint  NOT NULL CHECK (debit_paise >= 0),
    credit_paise  bigint  NOT NULL CHECK (credit_paise >= 0),
    PRIMARY KEY (entry_id, line_number),
    CHECK ((debit_paise = 0) <> (credit_paise = 0)),
    CHECK ((party_type IS NULL) = (party_id IS NULL))
);

CREATE TABLE payments (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A receipt from a customer or a payment to a vendor.
    direction      text        NOT NULL CHECK (direction IN ('receipt', 'payment')),
    customer_id    bigint      REFERENCES customers,
    vendor_id      bigint      REFERENCES vendors,
    mode           text        NOT NULL CHECK (mode IN ('cash', 'bank_transfer', 'upi', 'card', 'cheque')),
    reference      text        CHECK (length(reference) BETWEEN 1 AND 60),
    cheque_number  text        CHECK (cheque_number ~ '^[0-9]{6}$'),
    cheque_date    date,
    -- The cash or bank account the money went into or came out of.
    account_id     bigint      NOT NULL REFERENCES accounts,
    amount_paise   bigint      NOT NULL CHECK (amount_paise > 0),
    payment_date   date        NOT NULL,
    narration      text        CHECK (length(narration) BETWEEN 1 AND 300),
    posted_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((direction = 'receipt') = (customer_id IS NOT NULL)),
    CHECK ((direction = 'payment') = (vendor_id IS NOT NULL)),
    CHECK ((mode = 'cheque') = (cheque_number IS NOT NULL AND cheque_date IS NOT NULL))
);
CREATE INDEX payments_customer ON payments (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX payments_vendor ON payments (vendor_id) WHERE vendor_id IS NOT NULL;

-- What of a payment settles which invoice or bill: positive allocates, negative gives
-- back (an unallocation). Per payment and document the sum stays between 0 and the
-- amounts; the commands keep that under the payment's and the documents' row locks.
CREATE TABLE payment_allocations (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id      bigint      NOT NULL REFERENCES payments,
    invoice_id      bigint      REFERENCES invoices,
    vendor_bill_id  bigint      REFERENCES vendor_bills,
    amount_paise    bigint      NOT NULL CHECK (amount_paise <> 0),
    allocated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((invoice_id IS NULL) <> (vendor_bill_id IS NULL))
);
CREATE INDEX payment_allocations_payment ON payment_allocations (payment_id);
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX payment_allocations_bill ON payment_allocations (vendor_bill_id) WHERE vendor_bill_id IS NOT NULL;
