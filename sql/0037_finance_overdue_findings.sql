-- Finance: the daily overdue scan records each B2B invoice that is past its due date
-- with something still outstanding, once (event invoice.overdue_detected,
-- triggers/finance.sql); the notifications module turns each finding into a
-- notification.

CREATE TABLE invoice_overdue_findings (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Once per invoice: a second scan, or a retried one, records nothing new.
    invoice_id         bigint      NOT NULL UNIQUE REFERENCES invoices,
    customer_id        bigint      NOT NULL REFERENCES customers,
    -- The invoice date plus the customer's payment terms.
    due_on             date        NOT NULL,
    -- On the business date of the scan: total less credit notes and allocations.
    outstanding_paise  bigint      NOT NULL CHECK (outstanding_paise > 0),
    days_overdue       integer     NOT NULL CHECK (days_overdue > 0),
    detected_on        date        NOT NULL,
    detected_at        timestamptz NOT NULL DEFAULT now()
);
