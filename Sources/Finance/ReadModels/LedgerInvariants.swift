// What `erp verify` checks of the ledger: every journal balances, the trial balance nets
// to zero, each inventory account is its warehouse's stock value, the control accounts
// are the sums of their parties, GRNI is what was received and not billed, the tax
// accounts are the invoices', credit notes', bills' and returns' taxes.
import ERPEvents
import ERPStore
import Foundation
import Logging
import PostgresNIO

extension Invariant {
    /// The ledger's invariants.
    static let ledger: [Invariant] = [
        journalsBalance, trialBalanceNetsToZero, inventoryEqualsStockValue, controlAccountsEqualParties,
        grniEqualsReceivedNotBilled, taxAccountsEqualRegisters, nothingPostedInALockedPeriod,
        allocationsWithinAmounts,
    ]

    static let nothingPostedInALockedPeriod = Invariant(
        name: "ledger_nothing_posted_in_a_locked_period",
        statement: "no journal recorded after a lock date was set is dated on or before it"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            SELECT 'journal ' || j.position || ' (' || j.event_type || ' ' || j.reference || ') is dated '
                   || j.posting_date || ', after the books were locked up to ' || (e.payload ->> 'lockDate'),
                   count(*) OVER ()::integer
              FROM events e
              JOIN ledger_journals j ON j.position > e.position AND j.posting_date <= (e.payload ->> 'lockDate')::date
             WHERE e.type = \(FinanceEvents.lockDateSet.rawValue)
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let allocationsWithinAmounts = Invariant(
        name: "payment_allocations_within_amounts",
        statement:
            "each payment's allocations add up to between 0 and its amount, and each invoice's or bill's to between 0 and what it came to"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            WITH found AS (
                SELECT 'payment ' || p.id || ' of ' || p.amount_paise || ' has ' || sum(x.amount_paise) || ' allocated' AS line
                  FROM payments p JOIN payment_allocations x ON x.payment_id = p.id
                 GROUP BY p.id HAVING sum(x.amount_paise) NOT BETWEEN 0 AND p.amount_paise
                UNION ALL
                SELECT 'invoice ' || i.id || ' of ' || i.total_paise || ' less its credit notes has '
                       || sum(x.amount_paise) || ' allocated'
                  FROM invoices i JOIN payment_allocations x ON x.invoice_id = i.id
                 GROUP BY i.id
                HAVING sum(x.amount_paise) NOT BETWEEN 0 AND i.total_paise
                       - COALESCE((SELECT sum(n.total_paise) FROM credit_notes n WHERE n.invoice_id = i.id), 0)
                UNION ALL
                SELECT 'vendor bill ' || b.id || ' of ' || b.total_paise || ' has ' || sum(x.amount_paise) || ' allocated'
                  FROM vendor_bills b JOIN payment_allocations x ON x.vendor_bill_id = b.id
                 GROUP BY b.id HAVING sum(x.amount_paise) NOT BETWEEN 0 AND b.total_paise
                UNION ALL
                SELECT 'payment ' || x.payment_id || ' and invoice ' || COALESCE(x.invoice_id, x.vendor_bill_id)
                       || ': ' || sum(x.amount_paise) || ' allocated'
                  FROM payment_allocations x GROUP BY x.payment_id, x.invoice_id, x.vendor_bill_id
                HAVING sum(x.amount_paise) < 0)
            SELECT line, count(*) OVER ()::integer FROM found ORDER BY 1 LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let grniEqualsReceivedNotBilled = Invariant(
        name: "ledger_grni_equals_received_not_billed",
        statement:
            "GRNI equals the cost of goods received less what bills cleared and unbilled returns took back (when the ledger has caught up)"
    ) { transaction, limit, logger in
        let behind = try await eventsBehind("ledger", types: Posting.eventTypes, on: transaction, logger: logger)
        guard behind == 0 else { return ([], 0, "not compared: the ledger is \(behind) events behind the log") }
        let (breaches, count) = try await collect(
            """
            WITH books AS (
                SELECT COALESCE(sum(d.credit_paise - d.debit_paise), 0) AS value
                  FROM accounts a LEFT JOIN ledger_account_days d ON d.account_id = a.id WHERE a.role = 'grni'),
            documents AS (
                SELECT (SELECT COALESCE(sum(quantity * unit_cost_paise), 0) FROM goods_receipt_lines)
                     - (SELECT COALESCE(sum(taxable_paise - price_variance_paise), 0) FROM vendor_bills)
                     - (SELECT COALESCE(sum((quantity - billed_quantity) * unit_cost_paise), 0)
                          FROM purchase_return_lines) AS value)
            SELECT 'GRNI is ' || b.value || ' in the books, ' || d.value || ' by the documents', 1
              FROM books b, documents d WHERE b.value <> d.value
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let taxAccountsEqualRegisters = Invariant(
        name: "ledger_tax_accounts_equal_registers",
        statement:
            "each output tax account equals the invoices' tax less the credit notes', and each input tax account the vendor bills' tax less what purchase returns reversed, manual journals aside (when the ledger has caught up)"
    ) { transaction, limit, logger in
        let behind = try await eventsBehind("ledger", types: Posting.eventTypes, on: transaction, logger: logger)
        guard behind == 0 else { return ([], 0, "not compared: the ledger is \(behind) events behind the log") }
        // Manual journals may post to a tax account (paying the tax over, a correction):
        // the registers know nothing of those, so their lines are left out of the books' side.
        let (breaches, count) = try await collect(
            """
            WITH books AS (
                SELECT a.role, COALESCE(sum(l.debit_paise - l.credit_paise), 0) AS debit
                  FROM accounts a
                  LEFT JOIN ledger_lines l ON l.account_id = a.id
                   AND NOT EXISTS (SELECT FROM ledger_journals j
                                    WHERE j.position = l.position AND j.event_type = \(FinanceEvents.journalPosted.rawValue))
                 WHERE a.role IN ('output_cgst', 'output_sgst', 'output_igst', 'input_cgst', 'input_sgst', 'input_igst')
                 GROUP BY a.role),
            sold AS (
                SELECT (SELECT COALESCE(sum(cgst_paise), 0) FROM invoices) - (SELECT COALESCE(sum(cgst_paise), 0) FROM credit_notes) AS cgst,
                       (SELECT COALESCE(sum(sgst_paise), 0) FROM invoices) - (SELECT COALESCE(sum(sgst_paise), 0) FROM credit_notes) AS sgst,
                       (SELECT COALESCE(sum(igst_paise), 0) FROM invoices) - (SELECT COALESCE(sum(igst_paise), 0) FROM credit_notes) AS igst),
            bought AS (
                SELECT (SELECT COALESCE(sum(cgst_paise), 0) FROM vendor_bills) - (SELECT COALESCE(sum(cgst_paise), 0) FROM purchase_return_lines) AS cgst,
                       (SELECT COALESCE(sum(sgst_paise), 0) FROM vendor_bills) - (SELECT COALESCE(sum(sgst_paise), 0) FROM purchase_return_lines) AS sgst,
                       (SELECT COALESCE(sum(igst_paise), 0) FROM vendor_bills) - (SELECT COALESCE(sum(igst_paise), 0) FROM purchase_return_lines) AS igst),
            documents (role, debit) AS (
                SELECT 'output_cgst', -cgst FROM sold UNION ALL SELECT 'output_sgst', -sgst FROM sold
                UNION ALL SELECT 'output_igst', -igst FROM sold
                UNION ALL SELECT 'input_cgst', cgst FROM bought UNION ALL SELECT 'input_sgst', sgst FROM bought
                UNION ALL SELECT 'input_igst', igst FROM bought)
            SELECT 'the ' || d.role || ' account is ' || abs(COALESCE(b.debit, 0))
                   || CASE WHEN COALESCE(b.debit, 0) < 0 THEN ' credit' ELSE ' debit' END
                   || ' in the books (manual journals aside), ' || abs(d.debit)
                   || CASE WHEN d.debit < 0 THEN ' credit' ELSE ' debit' END || ' by the documents',
                   count(*) OVER ()::integer
              FROM documents d LEFT JOIN books b ON b.role = d.role
             WHERE COALESCE(b.debit, 0) <> d.debit
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let journalsBalance = Invariant(
        name: "ledger_journals_balance",
        statement: "every journal's debits equal its credits, over at least two lines"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            SELECT 'journal ' || j.position || ' (' || j.event_type || ' ' || j.reference || '): debits '
                   || COALESCE(sum(l.debit_paise), 0) || ', credits ' || COALESCE(sum(l.credit_paise), 0) || ', '
                   || count(l.*) || ' lines',
                   count(*) OVER ()::integer
              FROM ledger_journals j LEFT JOIN ledger_lines l ON l.position = j.position
             GROUP BY j.position
            HAVING COALESCE(sum(l.debit_paise), 0) <> COALESCE(sum(l.credit_paise), 0) OR count(l.*) < 2
             ORDER BY j.position
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let trialBalanceNetsToZero = Invariant(
        name: "ledger_trial_balance_nets_to_zero",
        statement: "the day balances add up to the lines, per account and day, and their debits equal their credits"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            WITH lines AS (
                SELECT account_id, posting_date, sum(debit_paise) AS debit, sum(credit_paise) AS credit
                  FROM ledger_lines GROUP BY 1, 2),
            mismatched AS (
                SELECT 'account ' || COALESCE(d.account_id, l.account_id) || ' on '
                       || COALESCE(d.posting_date, l.posting_date) || ': the day balance says '
                       || COALESCE(d.debit_paise, 0) || ' / ' || COALESCE(d.credit_paise, 0) || ', the lines '
                       || COALESCE(l.debit, 0) || ' / ' || COALESCE(l.credit, 0) AS line
                  FROM ledger_account_days d
                  FULL JOIN lines l ON (l.account_id, l.posting_date) = (d.account_id, d.posting_date)
                 WHERE (COALESCE(d.debit_paise, 0), COALESCE(d.credit_paise, 0))
                       <> (COALESCE(l.debit, 0), COALESCE(l.credit, 0))
                UNION ALL
                SELECT 'the trial balance: debits ' || sum(debit_paise) || ', credits ' || sum(credit_paise)
                  FROM ledger_account_days HAVING sum(debit_paise) <> sum(credit_paise))
            SELECT line, count(*) OVER ()::integer FROM mismatched ORDER BY 1 LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let inventoryEqualsStockValue = Invariant(
        name: "ledger_inventory_equals_stock_value",
        statement:
            "each warehouse's inventory account equals its stock value in the write model (when the ledger has caught up)"
    ) { transaction, limit, logger in
        let behind = try await eventsBehind("ledger", types: Posting.eventTypes, on: transaction, logger: logger)
        guard behind == 0 else { return ([], 0, "not compared: the ledger is \(behind) events behind the log") }
        let (breaches, count) = try await collect(
            """
            WITH books AS (
                SELECT a.warehouse_id, COALESCE(sum(d.debit_paise - d.credit_paise), 0) AS value
                  FROM accounts a LEFT JOIN ledger_account_days d ON d.account_id = a.id
                 WHERE a.warehouse_id IS NOT NULL GROUP BY 1),
            stock AS (SELECT warehouse_id, sum(value_paise) AS value FROM stock_valuation GROUP BY 1),
            projected AS (SELECT warehouse_id, sum(value_paise) AS value FROM stock_levels GROUP BY 1)
            SELECT 'warehouse ' || COALESCE(b.warehouse_id, s.warehouse_id) || ': inventory account '
                   || COALESCE(b.value, 0) || ', stock value ' || COALESCE(s.value, 0) || ', stock levels '
                   || COALESCE(p.value, 0),
                   count(*) OVER ()::integer
              FROM books b
              FULL JOIN stock s ON s.warehouse_id = b.warehouse_id
              LEFT JOIN projected p ON p.warehouse_id = COALESCE(b.warehouse_id, s.warehouse_id)
             WHERE COALESCE(b.value, 0) <> COALESCE(s.value, 0)
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }

    static let controlAccountsEqualParties = Invariant(
        name: "ledger_control_accounts_equal_parties",
        statement:
            "Debtors and Creditors each equal the sum of their parties' balances, and every line on them names its party"
    ) { transaction, limit, logger in
        let (breaches, count) = try await collect(
            """
            WITH control AS (SELECT id, code, control FROM accounts WHERE control IS NOT NULL),
            books AS (
                SELECT c.id, c.code, COALESCE(sum(d.debit_paise - d.credit_paise), 0) AS balance
                  FROM control c LEFT JOIN ledger_account_days d ON d.account_id = c.id GROUP BY 1, 2),
            parties AS (
                SELECT account_id, sum(debit_paise - credit_paise) AS balance FROM ledger_party_balances GROUP BY 1),
            found AS (
                SELECT 'account ' || b.code || ': ' || b.balance || ' in the books, ' || COALESCE(p.balance, 0)
                       || ' over its parties' AS line
                  FROM books b LEFT JOIN parties p ON p.account_id = b.id
                 WHERE b.balance <> COALESCE(p.balance, 0)
                UNION ALL
                SELECT 'journal ' || l.position || ' line ' || l.line_number || ': on account ' || c.code
                       || ' without a ' || c.control
                  FROM ledger_lines l JOIN control c ON c.id = l.account_id
                 WHERE l.party_type IS DISTINCT FROM c.control)
            SELECT line, count(*) OVER ()::integer FROM found ORDER BY 1 LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }
}
