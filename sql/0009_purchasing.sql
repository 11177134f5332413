-- Purchasing: orders, goods receipts against them, vendor bills (three-way match)
-- and purchase returns. Every command on an order locks the order row first, so
-- the received and billed figures of its lines change one command at a time.

CREATE TABLE purchase_orders (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id     bigint      NOT NULL REFERENCES vendors,
    -- Where the goods are received; with the vendor's state it decides the GST split.
    warehouse_id  bigint      NOT NULL REFERENCES warehouses,
    status        text        NOT NULL DEFAULT 'draft'
                              CHECK (status IN ('draft', 'approved', 'partially_received', 'received', 'cancelled')),
    ordered_on    date        NOT NULL DEFAULT business_date(),
    expected_on   date,
    note          text        CHECK (length(note) <= 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    approved_at   timestamptz,
    cancelled_at  timestamptz
);

CREATE INDEX purchase_orders_status ON purchase_orders (status, id);

CREATE TABLE purchase_order_lines (
    order_id           bigint  NOT NULL REFERENCES purchase_orders,
    line_number        integer NOT NULL CHECK (line_number > 0),
    product_id         bigint  NOT NULL REFERENCES products,
    quantity           bigint  NOT NULL CHECK (quantity > 0),
    unit_cost_paise    bigint  NOT NULL CHECK (unit_cost_paise >= 0),
    -- Net of returns: received minus returned, billed minus billed-then-returned.
    received_quantity  bigint  NOT NULL DEFAULT 0,
    billed_quantity    bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_number),
    CHECK (0 <= billed_quantity AND billed_quantity <= received_quantity AND received_quantity <= quantity)
);

CREATE TABLE goods_receipts (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint      NOT NULL REFERENCES purchase_orders,
    vendor_id         bigint      NOT NULL REFERENCES vendors,
    warehouse_id      bigint      NOT NULL REFERENCES warehouses,
    -- The vendor's delivery challan or invoice number, when given.
    vendor_reference  text        CHECK (length(vendor_reference) <= 100),
    received_on       date        NOT NULL DEFAULT business_date(),
    posted_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX goods_receipts_order ON goods_receipts (order_id);

CREATE TABLE goods_receipt_lines (
    receipt_id         bigint  NOT NULL REFERENCES goods_receipts,
    line_number        integer NOT NULL CHECK (line_number > 0),
    order_line_number  integer NOT NULL,
    product_id         bigint  NOT NULL REFERENCES products,
    batch_id           bigint  NOT NULL REFERENCES batches,
    quantity           bigint  NOT NULL CHECK (quantity > 0),
    -- The order's unit cost: what the stock is valued at.
    unit_cost_paise    bigint  NOT NULL CHECK (unit_cost_paise >= 0),
    PRIMARY KEY (receipt_id, line_number)
);

CREATE TABLE vendor_bills (
    id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id             bigint      NOT NULL REFERENCES vendors,
    order_id              bigint      NOT NULL REFERENCES purchase_orders,
    -- The vendor's own invoice number: one bill per number per vendor.
    bill_number           text        NOT NULL CHECK (length(bill_number) BETWEEN 1 AND 40),
    bill_date             date        NOT NULL,
    -- Intra-state (CGST + SGST) or inter-state (IGST): vendor state vs receiving warehouse state.
    supply                text        NOT NULL CHECK (supply IN ('intra_state', 'inter_state')),
    taxable_paise         bigint      NOT NULL,
    cgst_paise            bigint      NOT NULL,
    sgst_paise            bigint      NOT NULL,
    igst_paise            bigint      NOT NULL,
    total_paise           bigint      NOT NULL,
    -- Billed price minus ordered cost, over all lines; positive when billed above the order.
    price_variance_paise  bigint      NOT NULL,
    posted_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vendor_id, bill_number),
    CHECK (total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise)
);

CREATE TABLE vendor_bill_lines (
    bill_id                  bigint  NOT NULL REFERENCES vendor_bills,
    line_number              integer NOT NULL CHECK (line_number > 0),
    order_line_number        integer NOT NULL,
    product_id               bigint  NOT NULL REFERENCES products,
    quantity                 bigint  NOT NULL CHECK (quantity > 0),
    unit_price_paise         bigint  NOT NULL CHECK (unit_price_paise >= 0),
    ordered_unit_cost_paise  bigint  NOT NULL,
    price_variance_paise     bigint  NOT NULL,
    gst_rate_basis_points    integer NOT NULL,
    taxable_paise            bigint  NOT NULL,
    cgst_paise               bigint  NOT NULL,
    sgst_paise               bigint  NOT NULL,
    igst_paise               bigint  NOT NULL,
    PRIMARY KEY (bill_id, line_number)
);

CREATE TABLE purchase_returns (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    receipt_id    bigint      NOT NULL REFERENCES goods_receipts,
    order_id      bigint      NOT NULL REFERENCES purchase_orders,
    vendor_id     bigint      NOT NULL REFERENCES vendors,
    warehouse_id  bigint      NOT NULL REFERENCES warehouses,
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    returned_on   date        NOT NULL DEFAULT business_date(),
    posted_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX purchase_returns_receipt ON purchase_returns (receipt_id);

CREATE TABLE purchase_return_lines (
    return_id            bigint  NOT NULL REFERENCES purchase_returns,
    line_number          integer NOT NULL CHECK (line_number > 0),
    receipt_line_number  integer NOT NULL,
    order_line_number    integer NOT NULL,
    product_id           bigint  NOT NULL REFERENCES products,
    batch_id             bigint  NOT NULL REFERENCES batches,
    quantity             bigint  NOT NULL CHECK (quantity > 0),
    -- How much of the quantity had been billed: the debit note the vendor owes.
    billed_quantity      bigint  NOT NULL CHECK (billed_quantity BETWEEN 0 AND quantity),
    unit_cost_paise      bigint  NOT NULL,
    PRIMARY KEY (return_id, line_number)
);
