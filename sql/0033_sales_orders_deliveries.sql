-- Sales: B2B sales orders, the stock they reserve, deliveries against them, and the tax
-- invoices issued for deliveries.
--
-- Reserved stock is kept per product × warehouse on stock_valuation, the row every stock
-- movement already locks (StockLedger): a confirmation and a movement that would leave
-- less unexpired stock than is reserved serialise on it, so reserved never exceeds the
-- unexpired on hand a command saw under that lock.
ALTER TABLE stock_valuation ADD COLUMN reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0);

CREATE TABLE sales_orders (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id    bigint      NOT NULL REFERENCES customers,
    warehouse_id   bigint      NOT NULL REFERENCES warehouses,
    status         text        NOT NULL DEFAULT 'draft'
                               CHECK (status IN ('draft', 'confirmed', 'partially_delivered', 'delivered', 'cancelled')),
    ordered_on     date        NOT NULL DEFAULT business_date(),
    reference      text        CHECK (length(reference) BETWEEN 1 AND 100),
    -- The order's value with tax (exclusive rates, the GST rates of the day it was
    -- confirmed): what the credit check adds to the customer's receivables.
    total_paise    bigint      CHECK (total_paise >= 0),
    confirmed_at   timestamptz,
    version        integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'draft') = (confirmed_at IS NULL) OR status = 'cancelled')
);
CREATE INDEX sales_orders_customer ON sales_orders (customer_id, id);

CREATE TABLE sales_order_lines (
    order_id                  bigint  NOT NULL REFERENCES sales_orders,
    line_number               integer NOT NULL CHECK (line_number > 0),
    product_id                bigint  NOT NULL REFERENCES products,
    quantity                  bigint  NOT NULL CHECK (quantity > 0),
    -- The price per unit before tax, in paise.
    rate_paise                bigint  NOT NULL CHECK (rate_paise >= 0),
    discount_basis_points     integer CHECK (discount_basis_points BETWEEN 0 AND 10000),
    discount_paise            bigint  CHECK (discount_paise >= 0),
    delivered                 bigint  NOT NULL DEFAULT 0,
    -- Delivered and invoiced: an amount discount is shared over invoices by this.
    invoiced                  bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_number),
    CHECK (delivered BETWEEN 0 AND quantity),
    CHECK (invoiced BETWEEN 0 AND delivered),
    CHECK (discount_basis_points IS NULL OR discount_paise IS NULL)
);

CREATE TABLE deliveries (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       bigint      NOT NULL REFERENCES sales_orders,
    customer_id    bigint      NOT NULL REFERENCES customers,
    warehouse_id   bigint      NOT NULL REFERENCES warehouses,
    delivered_on   date        NOT NULL DEFAULT business_date(),
    -- The tax invoice issued for it, once there is one.
    invoice_id     bigint      REFERENCES invoices,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_order ON deliveries (order_id);
CREATE INDEX deliveries_uninvoiced ON deliveries (customer_id) WHERE invoice_id IS NULL;

CREATE TABLE delivery_lines (
    delivery_id    bigint  NOT NULL REFERENCES deliveries,
    line_number    integer NOT NULL CHECK (line_number > 0),
    order_line     integer NOT NULL,
    product_id     bigint  NOT NULL REFERENCES products,
    batch_id       bigint  NOT NULL REFERENCES batches,
    quantity       bigint  NOT NULL CHECK (quantity > 0),
    -- The signed value that left, at moving-average cost (StockLedger).
    value_paise    bigint  NOT NULL CHECK (value_paise <= 0),
    PRIMARY KEY (delivery_id, line_number)
);

-- What a B2B invoice says of its recipient (the customer document at issue), and which
-- delivery line each invoice line bills.
ALTER TABLE invoices ADD COLUMN recipient jsonb;
ALTER TABLE invoice_lines ADD COLUMN delivery_id bigint REFERENCES deliveries;
ALTER TABLE invoice_lines ADD COLUMN delivery_line integer;
ALTER TABLE invoices ADD CONSTRAINT invoices_b2b_recipient
    CHECK ((kind = 'b2b') = (customer_id IS NOT NULL AND recipient IS NOT NULL));
CREATE INDEX invoices_customer ON invoices (customer_id) WHERE customer_id IS NOT NULL;

-- The stock levels read model shows what is reserved (from the events that carry
-- `reservations`).
ALTER TABLE stock_levels ADD COLUMN reserved bigint NOT NULL DEFAULT 0;
