-- Finance: the chart of accounts (write side) and the ledger (a read model kept by the
-- ledger projector from business events: one balanced journal per event, keyed by the
-- event's position).

-- Accounts and their groups. A group holds accounts and other groups; postings go to
-- accounts only. `role` names the accounts the posting rules post to (cash, debtors,
-- grni, …); an inventory account belongs to one warehouse.
CREATE TABLE accounts (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text        NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Z][0-9A-Z/-]{0,19}$'),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type          text        NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
    group_id      bigint      REFERENCES accounts,
    is_group      boolean     NOT NULL DEFAULT false,
    -- The party a control account's lines carry.
    control       text        CHECK (control IN ('customer', 'vendor')),
    role          text        UNIQUE,
    warehouse_id  bigint      UNIQUE REFERENCES warehouses,
    active        boolean     NOT NULL DEFAULT true,
    version       integer     NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT (is_group AND (control IS NOT NULL OR warehouse_id IS NOT NULL)))
);
CREATE INDEX accounts_group ON accounts (group_id);

-- The chart an Indian small business starts with.
INSERT INTO accounts (code, name, type, is_group, role) VALUES
    ('1000', 'Assets', 'asset', true, 'assets'),
    ('2000', 'Liabilities', 'liability', true, 'liabilities'),
    ('3000', 'Equity', 'equity', true, 'equity'),
    ('4000', 'Income', 'income', true, 'income'),
    ('5000', 'Expenses', 'expense', true, 'expenses');
INSERT INTO accounts (code, name, type, is_group, control, role, group_id)
SELECT v.code, v.name, v.type, v.is_group, v.control, v.role, g.id
  FROM (VALUES
        ('1100', 'Cash', 'asset', false, NULL, 'cash', 'assets'),
        ('1200', 'Bank accounts', 'asset', true, NULL, 'bank_accounts', 'assets'),
        ('1300', 'Debtors', 'asset', false, 'customer', 'debtors', 'assets'),
        ('1400', 'Inventory', 'asset', true, NULL, 'inventory', 'assets'),
        ('1500', 'Input tax', 'asset', true, NULL, 'input_tax', 'assets'),
        ('2100', 'Creditors', 'liability', false, 'vendor', 'creditors', 'liabilities'),
        ('2200', 'Goods received not invoiced', 'liability', false, NULL, 'grni', 'liabilities'),
        ('2300', 'Output tax', 'liability', true, NULL, 'output_tax', 'liabilities'),
        ('3100', 'Capital', 'equity', false, NULL, 'capital', 'equity'),
        ('4100', 'Sales', 'income', false, NULL, 'sales', 'income'),
        ('4200', 'Other income', 'income', false, NULL, 'other_income', 'income'),
        ('5100', 'Cost of goods sold', 'expense', false, NULL, 'cogs', 'expenses'),
        ('5200', 'Stock adjustment', 'expense', false, NULL, 'stock_adjustment', 'expenses'),
        ('5300', 'Purchase price variance', 'expense', false, NULL, 'price_variance', 'expenses'),
        ('5400', 'Round off', 'expense', false, NULL, 'round_off', 'expenses'),
        ('5500', 'Bank charges', 'expense', false, NULL, 'bank_charges', 'expenses'))
       AS v(code, name, type, is_group, control, role, parent)
  JOIN accounts g ON g.role = v.parent
 ORDER BY v.code;
INSERT INTO accounts (code, name, type, role, group_id)
SELECT v.code, v.name, v.type, v.role, g.id
  FROM (VALUES
        ('1201', 'Bank', 'asset', 'bank', 'bank_accounts'),
        ('1510', 'Input CGST', 'asset', 'input_cgst', 'input_tax'),
        ('1520', 'Input SGST', 'asset', 'input_sgst', 'input_tax'),
        ('1530', 'Input IGST', 'asset', 'input_igst', 'input_tax'),
        ('2310', 'Output CGST', 'liability', 'output_cgst', 'output_tax'),
        ('2320', 'Output SGST', 'liability', 'output_sgst', 'output_tax'),
        ('2330', 'Output IGST', 'liability', 'output_igst', 'output_tax'))
       AS v(code, name, type, role, parent)
  JOIN accounts g ON g.role = v.parent
 ORDER BY v.code;
-- Each warehouse's inventory account (triggers/finance.sql opens one for each new warehouse).
INSERT INTO accounts (code, name, type, group_id, warehouse_id)
SELECT '1400/' || w.id, 'Inventory ' || w.code, 'asset', g.id, w.id
  FROM warehouses w CROSS JOIN accounts g WHERE g.role = 'inventory'
 ORDER BY w.id;

-- The ledger projection: a journal per event, its lines, and the balances reports read.
CREATE TABLE ledger_journals (
    position       bigint  PRIMARY KEY,
    event_type     text    NOT NULL,
    document_type  text    NOT NULL,
    document_id    bigint  NOT NULL,
    reference      text    NOT NULL,
    posting_date   date    NOT NULL
);
CREATE INDEX ledger_journals_date ON ledger_journals (posting_date, position);

CREATE TABLE ledger_lines (
    position      bigint  NOT NULL,
    line_number   integer NOT NULL,
    account_id    bigint  NOT NULL,
    party_type    text    CHECK (party_type IN ('customer', 'vendor')),
    party_id      bigint,
    debit_paise   bigint  NOT NULL CHECK (debit_paise >= 0),
    credit_paise  bigint  NOT NULL CHECK (credit_paise >= 0),
    posting_date  date    NOT NULL,
    reference     text    NOT NULL,
    PRIMARY KEY (position, line_number),
    CHECK ((debit_paise = 0) <> (credit_paise = 0)),
    CHECK ((party_type IS NULL) = (party_id IS NULL))
);
CREATE INDEX ledger_lines_account ON ledger_lines (account_id, posting_date, position);
CREATE INDEX ledger_lines_party ON ledger_lines (party_type, party_id, posting_date, position)
    WHERE party_id IS NOT NULL;

-- Debits and credits per account per day: a trial balance sums days, not lines.
CREATE TABLE ledger_account_days (
    account_id    bigint  NOT NULL,
    posting_date  date    NOT NULL,
    debit_paise   bigint  NOT NULL,
    credit_paise  bigint  NOT NULL,
    PRIMARY KEY (account_id, posting_date)
);

-- Debits and credits per party on each control account.
CREATE TABLE ledger_party_balances (
    party_type    text    NOT NULL,
    party_id      bigint  NOT NULL,
    account_id    bigint  NOT NULL,
    debit_paise   bigint  NOT NULL,
    credit_paise  bigint  NOT NULL,
    PRIMARY KEY (party_type, party_id, account_id)
);
