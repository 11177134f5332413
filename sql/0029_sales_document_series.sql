-- Sales: the numbering of invoices, counter sale invoices and credit notes. One row per
-- series and financial year (1 April – 31 March); a command takes the next number as its
-- last statement, so the row stays locked only until its commit, and a rollback gives
-- the number back (gapless, Rule 46(b)).
CREATE TABLE document_series (
    series              text    NOT NULL CHECK (series IN ('invoice', 'counter_sale', 'credit_note')),
    -- The calendar year of the financial year's 1 April.
    financial_year      integer NOT NULL CHECK (financial_year BETWEEN 2000 AND 9998),
    last_number         bigint  NOT NULL CHECK (last_number > 0),
    PRIMARY KEY (series, financial_year)
);
