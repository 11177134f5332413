-- Batches and stock: what the stock commands need to keep their invariants
-- (on hand never below zero, no issue from an expired batch), and the posted stock
-- documents (issues, transfers, adjustments). Stock levels for reading are a
-- projection (sql/0011); these tables are the write model.

-- The business day in India. Expiry is judged against it, not against UTC.
CREATE FUNCTION business_date() RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Kolkata')::date
$$;

-- A batch of one product, created by the first goods receipt that names it.
CREATE TABLE batches (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id       bigint      NOT NULL REFERENCES products,
    batch_number     text        NOT NULL CHECK (batch_number ~ '^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$'),
    manufactured_on  date,
    expires_on       date        NOT NULL,
    mrp_paise        bigint      NOT NULL CHECK (mrp_paise >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, batch_number),
    CHECK (manufactured_on IS NULL OR manufactured_on < expires_on)
);

-- On hand per product × warehouse × batch. Commands lock these rows in key order
-- (product_id, warehouse_id, batch_id) so that two commands never deadlock.
CREATE TABLE stock_on_hand (
    product_id    bigint NOT NULL REFERENCES products,
    warehouse_id  bigint NOT NULL REFERENCES warehouses,
    batch_id      bigint NOT NULL REFERENCES batches,
    quantity      bigint NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (product_id, warehouse_id, batch_id)
);

-- Issues, transfers and adjustments: posted once, never changed.
CREATE TABLE stock_documents (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('issue', 'transfer', 'adjustment')),
    warehouse_id       bigint      NOT NULL REFERENCES warehouses,
    -- Transfers only: where the stock goes.
    to_warehouse_id    bigint      REFERENCES warehouses,
    -- Adjustments only: count, damage, sample or expiry.
    reason             text        CHECK (reason IN ('count', 'damage', 'sample', 'expiry')),
    reference          text        CHECK (length(reference) <= 100),
    note               text        CHECK (length(note) <= 1000),
    posted_on          date        NOT NULL DEFAULT business_date(),
    posted_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'transfer') = (to_warehouse_id IS NOT NULL)),
    CHECK (to_warehouse_id <> warehouse_id),
    CHECK ((kind = 'adjustment') = (reason IS NOT NULL))
);

CREATE TABLE stock_document_lines (
    document_id  bigint NOT NULL REFERENCES stock_documents,
    line_number  integer NOT NULL CHECK (line_number > 0),
    product_id   bigint NOT NULL REFERENCES products,
    batch_id     bigint NOT NULL REFERENCES batches,
    -- Units leaving the warehouse for issues and transfers (> 0); the signed
    -- correction for adjustments (≠ 0).
    quantity     bigint NOT NULL CHECK (quantity <> 0),
    PRIMARY KEY (document_id, line_number)
);
