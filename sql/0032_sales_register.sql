-- Sales: the sales register, a read model kept by the sales_register projector from
-- invoice.issued (and credit_note.issued when credit notes arrive): one row per document
-- with what GST returns sum up.
CREATE TABLE sales_register (
    document_type    text    NOT NULL CHECK (document_type IN ('invoice', 'credit_note')),
    document_id      bigint  NOT NULL,
    number           text    NOT NULL,
    document_date    date    NOT NULL,
    customer_id      bigint,
    customer_name    text,
    customer_gstin   text,
    place_of_supply  text    NOT NULL,
    taxable_paise    bigint  NOT NULL,
    cgst_paise       bigint  NOT NULL,
    sgst_paise       bigint  NOT NULL,
    igst_paise       bigint  NOT NULL,
    round_off_paise  bigint  NOT NULL,
    total_paise      bigint  NOT NULL,
    PRIMARY KEY (document_type, document_id)
);
CREATE INDEX sales_register_date ON sales_register (document_date, document_type, document_id);
