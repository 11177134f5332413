-- How a counter sale's credit note pays the buyer back: cash from the till, or UPI or
-- card, which leave the bank account. A B2B invoice's note is credited to the customer's
-- account instead and has none. Notes issued before this migration paid cash, as their
-- journals did.
ALTER TABLE credit_notes ADD COLUMN refund_mode text CHECK (refund_mode IN ('cash', 'upi', 'card'));
UPDATE credit_notes SET refund_mode = 'cash' WHERE customer_id IS NULL;
ALTER TABLE credit_notes ADD CONSTRAINT credit_notes_refund_mode CHECK ((refund_mode IS NULL) = (customer_id IS NOT NULL));
