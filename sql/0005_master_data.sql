-- Master data every document refers to: products (with GST rates over time),
-- warehouses and vendors. Rows carry a version for optimistic concurrency (If-Match)
-- and are deactivated, never deleted.

CREATE TABLE products (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku               text        NOT NULL UNIQUE,
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    brand             text,
    -- 6X, 30C, 200C, 1M, Q …; none for products without one (ointments, for instance).
    potency           text,
    -- dilution, mother tincture, biochemic tablet, globules, ointment …
    form              text        NOT NULL CHECK (length(form) BETWEEN 1 AND 60),
    pack_size         integer     NOT NULL CHECK (pack_size > 0),
    pack_unit         text        NOT NULL CHECK (length(pack_unit) BETWEEN 1 AND 20),
    hsn_code          text        NOT NULL CHECK (hsn_code ~ '^([0-9]{4}|[0-9]{6}|[0-9]{8})$'),
    mrp_paise         bigint      NOT NULL CHECK (mrp_paise >= 0),
    reorder_level     bigint      NOT NULL DEFAULT 0 CHECK (reorder_level >= 0),
    reorder_quantity  bigint      NOT NULL DEFAULT 0 CHECK (reorder_quantity >= 0),
    batch_tracked     boolean     NOT NULL DEFAULT true,
    shelf_life_days   integer     CHECK (shelf_life_days > 0),
    active            boolean     NOT NULL DEFAULT true,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX products_name ON products (lower(name));

-- Rates change over time: the rate of a date is the latest one effective on or before it.
CREATE TABLE product_gst_rates (
    product_id         bigint  NOT NULL REFERENCES products,
    effective_from     date    NOT NULL,
    -- Hundredths of a percent: 1200 is 12 %.
    rate_basis_points  integer NOT NULL CHECK (rate_basis_points BETWEEN 0 AND 10000),
    PRIMARY KEY (product_id, effective_from)
);

CREATE TABLE warehouses (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL UNIQUE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    state_code  text        NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
    active      boolean     NOT NULL DEFAULT true,
    version     integer     NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vendors (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Validated (shape and check character) by the command handler; NULL for unregistered vendors.
    gstin               text        UNIQUE CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    state_code          text        NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
    payment_terms_days  integer     NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
    active              boolean     NOT NULL DEFAULT true,
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (gstin IS NULL OR left(gstin, 2) = state_code)
);

CREATE INDEX vendors_name ON vendors (lower(name));
