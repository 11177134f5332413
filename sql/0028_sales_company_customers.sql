-- Sales: the company's own profile (one row, what every invoice prints about the
-- seller) and its customers. Drug licences are kept as a JSON array of
-- {"number", "form", "validFrom", "validUntil"} checked by the command handlers.

CREATE TABLE company_profile (
    id                  smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    legal_name          text        CHECK (length(legal_name) BETWEEN 1 AND 200),
    trade_name          text        CHECK (length(trade_name) BETWEEN 1 AND 200),
    address_line1       text        CHECK (length(address_line1) BETWEEN 1 AND 100),
    address_line2       text        CHECK (length(address_line2) BETWEEN 1 AND 100),
    city                text        CHECK (length(city) BETWEEN 1 AND 100),
    pincode             text        CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    state_code          text        CHECK (state_code ~ '^[0-9]{2}$'),
    gstin               text        CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    phone               text        CHECK (length(phone) BETWEEN 1 AND 20),
    email               text        CHECK (length(email) BETWEEN 3 AND 320),
    drug_licences       jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(drug_licences) = 'array'),
    -- Aggregate turnover: up to ₹5 crore prints 4-digit HSN and issues no e-invoice;
    -- above, 6 digits and e-invoices for B2B.
    turnover_band       text        NOT NULL DEFAULT 'up_to_5_crore'
                                    CHECK (turnover_band IN ('up_to_5_crore', 'above_5_crore')),
    invoice_prefix      text        CHECK (invoice_prefix ~ '^[A-Z1-9][A-Z0-9/-]{0,5}$'),
    counter_sale_prefix text        CHECK (counter_sale_prefix ~ '^[A-Z1-9][A-Z0-9/-]{0,5}$'),
    credit_note_prefix  text        CHECK (credit_note_prefix ~ '^[A-Z1-9][A-Z0-9/-]{0,5}$'),
    version             integer     NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (gstin IS NULL OR left(gstin, 2) = state_code),
    CHECK (invoice_prefix IS DISTINCT FROM counter_sale_prefix
           AND invoice_prefix IS DISTINCT FROM credit_note_prefix
           AND counter_sale_prefix IS DISTINCT FROM credit_note_prefix
           OR invoice_prefix IS NULL OR counter_sale_prefix IS NULL OR credit_note_prefix IS NULL)
);
INSERT INTO company_profile (id) VALUES (1);

CREATE TABLE customers (
    id                      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Validated (shape and check character) by the command handler; NULL for an
    -- unregistered (B2C) customer.
    gstin                   text        UNIQUE CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    -- The billing state: the place of supply of what is sold to them.
    state_code              text        NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
    address                 text        CHECK (length(address) BETWEEN 1 AND 300),
    phone                   text        CHECK (length(phone) BETWEEN 1 AND 20),
    drug_licences           jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(drug_licences) = 'array'),
    credit_limit_paise      bigint      NOT NULL DEFAULT 0 CHECK (credit_limit_paise >= 0),
    payment_terms_days      integer     NOT NULL DEFAULT 0 CHECK (payment_terms_days BETWEEN 0 AND 365),
    minimum_shelf_life_days integer     NOT NULL DEFAULT 0 CHECK (minimum_shelf_life_days BETWEEN 0 AND 3650),
    active                  boolean     NOT NULL DEFAULT true,
    version                 integer     NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (gstin IS NULL OR left(gstin, 2) = state_code)
);

CREATE INDEX customers_name ON customers (lower(name));
