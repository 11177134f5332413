// A credit note against a tax invoice: tax reversed at the invoice's rates, never more
// credited than invoiced, returned goods back into their batch at the cost they left
// with (or written off), numbered last in the credit note series, and refused once the
// deadline of Sec 34 has passed.
import ERPKernel
public import ERPStore
import Foundation
import Inventory
public import PostgresNIO

/// Issues credit notes.
public enum CreditNoteCommand {
    struct InvoiceLine {
        var product: Int64
        var batch: Int64
        var batchNumber: String
        var expired: Bool
        var quantity: Int64
        var taxable: Int64
        var cgst: Int64
        var sgst: Int64
        var igst: Int64
        var rate: Int64
        var cost: Int64
        var creditedQuantity: Int64
        var creditedTaxable: Int64
        var creditedTax: Int64
        var creditedCost: Int64
    }

    /// Issues `note` and returns its id.
    ///
    /// - Throws: ``CommandError`` `.notFound` (the invoice), `.invalid` (a field, more
    ///   credited than invoiced, past the deadline, an expired batch put back, more than
    ///   is unpaid on an invoice receipts settle).
    public static func issue(_ note: NewCreditNote, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try note.validate() } catch { throw CommandError(error) }
        let company = try await PartyCommands.completeCompany(on: transaction, logger: context.logger)
        guard let prefix = company.creditNotePrefix else {
            throw CommandError(.invalid, "the company profile has no credit note prefix")
        }
        let date = try await SaleParties.businessDate(on: transaction, context: context)
        guard
            let (number, invoiceDateText, warehouse, customer, place, supplierState, invoiceTotal, credited, settled) =
                try await transaction.rows(
                    // Locked as a receipt's allocation locks it: what is settled stays put
                    // until this note commits.
                    """
                    SELECT i.number, i.invoice_date::text, i.warehouse_id, i.customer_id, i.place_of_supply,
                           i.supplier ->> 'stateCode', i.total_paise,
                           (SELECT COALESCE(sum(n.total_paise), 0) FROM credit_notes n WHERE n.invoice_id = i.id)::bigint,
                           (SELECT COALESCE(sum(x.amount_paise), 0) FROM payment_allocations x WHERE x.invoice_id = i.id)::bigint
                      FROM invoices i WHERE i.id = \(note.invoiceId) AND i.number IS NOT NULL
                       FOR UPDATE OF i
                    """,
                    as: (String, String, Int64, Int64?, String, String?, Int64, Int64, Int64).self,
                    logger: context.logger
                ).first,
            let invoiceDate = try? CalendarDate(invoiceDateText)
        else { throw CommandError(.notFound, "there is no invoice \(note.invoiceId)") }
        if customer != nil, note.refundMode != nil {
            throw CommandError(
                .invalid, "invoice \(number) is a B2B invoice: its credit note is credited to the customer's account",
                fieldErrors: [FieldError("refundMode", "only a counter sale's credit note is paid back")])
        }
        let refundMode = customer == nil ? note.refundMode ?? "cash" : nil
        let lastDay = FinancialYear(containing: invoiceDate).creditNoteDeadline
        if date > lastDay {
            throw CommandError(
                .invalid,
                "invoice \(number) of \(invoiceDate) is of \(FinancialYear(containing: invoiceDate).label): a credit note for it had to be issued by \(lastDay) (Sec 34(2)), and today is \(date)",
                fieldErrors: [FieldError("invoiceId", "credit notes for it were due by \(lastDay)")])
        }
        let lines = try await Self.lines(of: note.invoiceId, on: transaction, context: context)
        var check = Validation()
        var credits: [LineTax] = []
        var costs: [Int64] = []
        var returns: [StockChange] = []
        for (index, line) in note.lines.enumerated() {
            let field = "lines[\(index)]"
            guard let invoiced = lines[line.invoiceLine] else {
                check.fail("\(field).invoiceLine", "invoice \(number) has no line \(line.invoiceLine)")
                continue
            }
            let credit: LineTax
            var cost: Int64 = 0
            if let quantity = line.quantity {
                let before = invoiced.creditedQuantity
                guard before + quantity <= invoiced.quantity else {
                    check.fail(
                        "\(field).quantity",
                        "line \(line.invoiceLine) invoiced \(invoiced.quantity) and \(before) are credited already: at most \(invoiced.quantity - before) more"
                    )
                    continue
                }
                // The share of each figure by quantity, rounded cumulatively: crediting every
                // unit, in any number of notes, credits exactly what was invoiced.
                func share(_ whole: Int64) -> Int64 {
                    Money(paise: whole).scaled(by: before + quantity, dividedBy: invoiced.quantity).paise
                        - Money(paise: whole).scaled(by: before, dividedBy: invoiced.quantity).paise
                }
                let taxable = Money(paise: share(invoiced.taxable))
                credit = LineTax(
                    gross: taxable, discount: .zero, taxable: taxable, cgst: Money(paise: share(invoiced.cgst)),
                    sgst: Money(paise: share(invoiced.sgst)), igst: Money(paise: share(invoiced.igst)))
                cost = share(invoiced.cost)
                if line.writeOff != true {
                    if invoiced.expired {
                        check.fail(
                            "\(field).writeOff",
                            "batch \(invoiced.batchNumber) has expired: returned units of it are written off (writeOff: true)"
                        )
                    }
                    returns.append(
                        StockChange(
                            productID: invoiced.product, warehouseID: warehouse, batchID: invoiced.batch,
                            quantity: quantity, field: field,
                            batchLabel: "product \(invoiced.product) batch \(invoiced.batchNumber)", worth: cost))
                }
            } else {
                let taxable = Money(paise: line.taxablePaise ?? 0)
                credit = LineTax(
                    quantity: 1, unitPrice: taxable, discount: .none, basis: .exclusive, rateBasisPoints: invoiced.rate,
                    interState: place != supplierState)
            }
            if invoiced.creditedTaxable + credit.taxable.paise > invoiced.taxable
                || invoiced.creditedTax + credit.tax.paise > invoiced.cgst + invoiced.sgst + invoiced.igst
            {
                check.fail(
                    field,
                    "line \(line.invoiceLine) was invoiced at \(Money(paise: invoiced.taxable)) taxable and \(Money(paise: invoiced.creditedTaxable)) of it is credited already: this would credit \(credit.taxable) more"
                )
                continue
            }
            credits.append(credit)
            costs.append(cost)
        }
        do { try check.check() } catch { throw CommandError(error) }
        let totals = DocumentTotals(credits)
        // Receipts allocated to the invoice settle at most what it comes to less its
        // credit notes: a note for more than is unpaid waits for allocations to be given back.
        if settled > 0, totals.grandTotal.paise > invoiceTotal - credited - settled {
            let unpaid = Money(paise: invoiceTotal - credited - settled)
            let excess = totals.grandTotal - unpaid
            throw CommandError(
                .invalid,
                "invoice \(number) comes to \(Money(paise: invoiceTotal)), \(Money(paise: credited)) of it is credited and receipts settle \(Money(paise: settled)): \(unpaid) is unpaid and this credit note comes to \(totals.grandTotal). Give back \(excess) of the receipts' allocations to it first (POST /api/v1/customer-receipts/{id}/unallocations); what is given back stays with the customer as an advance",
                fieldErrors: [FieldError("invoiceId", "\(unpaid) is unpaid; the note comes to \(totals.grandTotal)")])
        }
        if !returns.isEmpty { _ = try await StockLedger.apply(returns, on: transaction, context: context) }
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO credit_notes (financial_year, note_date, invoice_id, reason, note, warehouse_id, customer_id,
                                      place_of_supply, supplier, taxable_paise, cgst_paise, sgst_paise, igst_paise,
                                      round_off_paise, total_paise, refund_mode)
            VALUES (\(FinancialYear(containing: date).startYear), \(date.description)::date, \(note.invoiceId),
                    \(note.reason), \(Text.blankIsNil(note.note)), \(warehouse), \(customer), \(place),
                    \(try PartyCommands.json(company))::jsonb, \(totals.taxable.paise), \(totals.cgst.paise),
                    \(totals.sgst.paise), \(totals.igst.paise), \(totals.roundOff.paise), \(totals.grandTotal.paise),
                    \(refundMode))
            RETURNING id
            """,
            logger: context.logger)
        let numbers = note.lines.map(\.invoiceLine)
        let dispositions = note.lines.map {
            $0.quantity == nil ? "none" : $0.writeOff == true ? "write_off" : "restock"
        }
        try await transaction.execute(
            """
            INSERT INTO credit_note_lines (credit_note_id, line_number, invoice_line, product_id, batch_id, quantity,
                                           disposition, taxable_paise, cgst_paise, sgst_paise, igst_paise, cost_paise)
            SELECT \(id), n, u.l, il.product_id, il.batch_id, u.q, u.d, u.t, u.c, u.s, u.i, u.v
              FROM unnest(\(numbers)::integer[], \(note.lines.map { $0.quantity ?? 0 })::bigint[], \(dispositions)::text[],
                          \(credits.map(\.taxable.paise))::bigint[], \(credits.map(\.cgst.paise))::bigint[],
                          \(credits.map(\.sgst.paise))::bigint[], \(credits.map(\.igst.paise))::bigint[],
                          \(costs)::bigint[]) WITH ORDINALITY AS u(l, q, d, t, c, s, i, v, n)
              JOIN invoice_lines il ON (il.invoice_id, il.line_number) = (\(note.invoiceId), u.l)
            """,
            logger: context.logger)
        // The CHECK on invoice_lines refuses anything over what was invoiced, should two
        // notes race past the checks above (the rows are locked, so they queue).
        try await transaction.execute(
            """
            UPDATE invoice_lines il
               SET credited_quantity = il.credited_quantity + u.q, credited_taxable_paise = il.credited_taxable_paise + u.t,
                   credited_tax_paise = il.credited_tax_paise + u.x, credited_cost_paise = il.credited_cost_paise + u.v
              FROM unnest(\(numbers)::integer[], \(note.lines.map { $0.quantity ?? 0 })::bigint[],
                          \(credits.map(\.taxable.paise))::bigint[], \(credits.map(\.tax.paise))::bigint[],
                          \(costs)::bigint[]) AS u(l, q, t, x, v)
             WHERE (il.invoice_id, il.line_number) = (\(note.invoiceId), u.l)
            """,
            logger: context.logger)
        // Last: the series row stays locked only until the commit.
        let issued = try await DocumentSeries.creditNote.next(
            prefix: prefix, on: date, transaction: transaction, context: context)
        try await transaction.execute(
            "UPDATE credit_notes SET number = \(issued.value) WHERE id = \(id)", logger: context.logger)
        return id
    }

    /// The lines of invoice `id` with what is credited of them so far, locked so that
    /// credit notes of one invoice take their turn.
    static func lines(of id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws
        -> [Int: InvoiceLine]
    {
        let rows = try await transaction.rows(
            """
            SELECT l.line_number, l.product_id, l.batch_id, b.batch_number, b.expires_on < business_date(), l.quantity,
                   l.taxable_paise, l.cgst_paise, l.sgst_paise, l.igst_paise, l.gst_rate_basis_points::bigint,
                   l.cost_paise, l.credited_quantity, l.credited_taxable_paise, l.credited_tax_paise,
                   l.credited_cost_paise
              FROM invoice_lines l JOIN batches b ON b.id = l.batch_id
             WHERE l.invoice_id = \(id)
             ORDER BY l.line_number
               FOR UPDATE OF l
            """,
            as: (
                Int, Int64, Int64, String, Bool, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64,
                Int64
            ).self, logger: context.logger)
        var lines: [Int: InvoiceLine] = [:]
        for row in rows {
            lines[row.0] = InvoiceLine(
                product: row.1, batch: row.2, batchNumber: row.3, expired: row.4, quantity: row.5, taxable: row.6,
                cgst: row.7, sgst: row.8, igst: row.9, rate: row.10, cost: row.11, creditedQuantity: row.12,
                creditedTaxable: row.13, creditedTax: row.14, creditedCost: row.15)
        }
        return lines
    }
}
