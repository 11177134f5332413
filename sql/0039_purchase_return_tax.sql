-- A purchase return's billed units come back with the tax the bill charged on them: the
-- debit note the vendor owes is their billed value plus that tax, and the input tax
-- credit the bill took is reversed (the ledger posts both; GSTR-3B nets the reversal).
-- Each line keeps its share of what the order line's bills charged and earlier returns
-- have not claimed back, pro rata to the billed units returned (so returning every billed
-- unit claims back the bills exactly). Returns made before this migration keep 0, as
-- their journals did.
ALTER TABLE purchase_return_lines
    ADD COLUMN billed_taxable_paise bigint NOT NULL DEFAULT 0 CHECK (billed_taxable_paise >= 0),
    ADD COLUMN cgst_paise           bigint NOT NULL DEFAULT 0 CHECK (cgst_paise >= 0),
    ADD COLUMN sgst_paise           bigint NOT NULL DEFAULT 0 CHECK (sgst_paise >= 0),
    ADD COLUMN igst_paise           bigint NOT NULL DEFAULT 0 CHECK (igst_paise >= 0);
