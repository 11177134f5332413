-- Read models of the stock levels and notifications projectors. They are written by
-- the projectors alone, from events: never join them to the write tables.

-- What the stock levels projector knows of each product (from product events).
CREATE TABLE stock_level_products (
    product_id     bigint PRIMARY KEY,
    sku            text   NOT NULL,
    name           text   NOT NULL,
    reorder_level  bigint NOT NULL
);

-- On hand per product × warehouse × batch.
CREATE TABLE stock_level_batches (
    product_id    bigint NOT NULL,
    warehouse_id  bigint NOT NULL,
    batch_id      bigint NOT NULL,
    batch_number  text   NOT NULL,
    expires_on    date   NOT NULL,
    on_hand       bigint NOT NULL,
    PRIMARY KEY (product_id, warehouse_id, batch_id)
);

CREATE INDEX stock_level_batches_expiry ON stock_level_batches (expires_on) WHERE on_hand > 0;

-- On hand and value per product × warehouse. Value follows the moving average:
-- receipts add their cost, anything leaving takes its share of the value.
CREATE TABLE stock_levels (
    product_id    bigint NOT NULL,
    warehouse_id  bigint NOT NULL,
    on_hand       bigint NOT NULL,
    value_paise   bigint NOT NULL,
    PRIMARY KEY (product_id, warehouse_id)
);

CREATE INDEX stock_levels_warehouse ON stock_levels (warehouse_id, product_id);

-- What the notifications projector needs to see a reorder level crossed: its own
-- totals per product × warehouse and the products' reorder levels.
CREATE TABLE notification_products (
    product_id     bigint PRIMARY KEY,
    sku            text   NOT NULL,
    name           text   NOT NULL,
    reorder_level  bigint NOT NULL
);

CREATE TABLE notification_stock (
    product_id     bigint  NOT NULL,
    warehouse_id   bigint  NOT NULL,
    on_hand        bigint  NOT NULL,
    -- Below the reorder level now; a crossing is a change of this from false to true.
    below_reorder  boolean NOT NULL DEFAULT false,
    -- Crossings so far: numbers each one, so a notification is raised once per crossing.
    crossings      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, warehouse_id)
);

CREATE TABLE notifications (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('below_reorder', 'batch_expiring')),
    -- What the notification is about, e.g. below_reorder:12:3:2 (product, warehouse,
    -- crossing) or batch_expiring:41:3 (batch, warehouse): raised at most once.
    subject          text        NOT NULL UNIQUE,
    product_id       bigint      NOT NULL,
    warehouse_id     bigint      NOT NULL,
    batch_id         bigint,
    message          text        NOT NULL,
    details          jsonb       NOT NULL DEFAULT '{}',
    status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    -- The event that raised it.
    event_position   bigint      NOT NULL,
    raised_at        timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text
);

CREATE INDEX notifications_status ON notifications (status, id);
