// A B2B tax invoice for deliveries of one customer: at the orders' rates before tax, the
// GST rates of the invoice date, the customer's state as the place of supply, numbered
// last in the invoice series. The stock left with the deliveries; the invoice bills them.
import ERPKernel
public import ERPStore
import Foundation
import Inventory
public import PostgresNIO

/// Issues B2B tax invoices.
public enum InvoiceCommand {
    struct Line {
        var delivery: Int64
        var deliveryLine: Int
        var order: Int64
        var orderLine: Int
        var product: Int64
        var batch: Int64
        var quantity: Int64
        var cost: Int64
        var rate: Int64
        var percent: Int64?
        var amount: Int64?
        var ordered: Int64
        var invoiced: Int64
    }

    /// Issues the tax invoice of `invoice`'s deliveries and returns its id; the invoice is
    /// numbered at the commit.
    ///
    /// - Throws: ``CommandError`` `.invalid` (the deliveries, the company profile, a
    ///   product's HSN or GST rate, a lapsed licence), `.invalidState` (a delivery
    ///   already invoiced).
    public static func issue(_ invoice: NewInvoice, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try invoice.validate() } catch { throw CommandError(error) }
        let company = try await PartyCommands.completeCompany(on: transaction, logger: context.logger)
        guard let companyState = company.stateCode, let prefix = company.invoicePrefix else {
            throw CommandError(.invalid, "the company profile has no state or invoice prefix")
        }
        let date = try await SaleParties.businessDate(on: transaction, context: context)
        try await DocumentSeries.invoice.requireRoom(
            prefix: prefix, on: date, transaction: transaction, context: context)
        guard (company.drugLicences ?? []).contains(where: { $0.isValid(on: date) }) else {
            throw CommandError(
                .invalid, "no drug licence of the company is valid on \(date): renew it in the company profile",
                fieldErrors: [FieldError("company.drugLicences", "none is valid on \(date)")])
        }
        let ids = invoice.deliveryIds.sorted()
        let deliveries = try await transaction.preparedRows(
            """
            SELECT id, customer_id, warehouse_id, invoice_id FROM deliveries WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE
            """,
            as: (Int64, Int64, Int64, Int64?).self, logger: context.logger)
        var check = Validation()
        let found = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.0, $0) })
        for (index, id) in invoice.deliveryIds.enumerated() {
            guard let delivery = found[id] else {
                check.fail("deliveryIds[\(index)]", "there is no delivery \(id)")
                continue
            }
            if let invoiced = delivery.3 {
                throw CommandError(.invalidState, "delivery \(id) is already billed by invoice \(invoiced)")
            }
            if delivery.1 != deliveries[0].1 {
                check.fail(
                    "deliveryIds[\(index)]",
                    "delivery \(id) is to customer \(delivery.1), not \(deliveries[0].1): one invoice bills one customer"
                )
            }
            if delivery.2 != deliveries[0].2 {
                check.fail(
                    "deliveryIds[\(index)]",
                    "delivery \(id) left warehouse \(delivery.2), not \(deliveries[0].2): invoice each warehouse's separately"
                )
            }
        }
        do { try check.check() } catch { throw CommandError(error) }
        let (customerID, warehouseID) = (deliveries[0].1, deliveries[0].2)
        // Locked as a confirmation locks it: the credit check sees this invoice or waits for it.
        let customer = try await SaleParties.customer(customerID, lock: true, on: transaction, context: context)
        let lines = try await Self.lines(ids, on: transaction, context: context)
        let products = try await CounterSaleCommand.products(lines.map(\.product), on: date, transaction, context)
        try SaleParties.requireLicence(of: customer, on: date, selling: lines.compactMap { products[$0.product]?.hsn })
        let band = company.turnoverBand ?? .upToFiveCrore
        let interState = customer.stateCode != companyState
        var taxes: [LineTax] = []
        var invoicedSoFar: [String: Int64] = [:]
        for line in lines {
            let field = "deliveries[\(line.delivery)].lines[\(line.deliveryLine)]"
            guard let product = products[line.product], let gst = product.rate else {
                check.fail(field, "product \(line.product) has no GST rate effective on \(date)")
                continue
            }
            check.require(
                product.hsn.count >= band.hsnDigits, field,
                "product \(line.product)'s HSN \(product.hsn) has fewer than the \(band.hsnDigits) digits the company's turnover needs"
            )
            // An amount off an order line is shared over its invoices by quantity, so that
            // what all of them take adds up to it exactly.
            let key = "\(line.order)/\(line.orderLine)"
            let before = invoicedSoFar[key] ?? line.invoiced
            invoicedSoFar[key] = before + line.quantity
            var discount: LineDiscount = line.percent.map { .percent(basisPoints: $0) } ?? .none
            if let amount = line.amount {
                let whole = Money(paise: amount)
                discount = .amount(
                    Money(
                        paise: whole.scaled(by: before + line.quantity, dividedBy: line.ordered).paise
                            - whole.scaled(by: before, dividedBy: line.ordered).paise))
            }
            taxes.append(
                LineTax(
                    quantity: line.quantity, unitPrice: Money(paise: line.rate), discount: discount, basis: .exclusive,
                    rateBasisPoints: gst, interState: interState))
        }
        do { try check.check() } catch { throw CommandError(error) }
        let totals = DocumentTotals(taxes)
        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO invoices (kind, financial_year, invoice_date, warehouse_id, customer_id, recipient, place_of_supply,
                                  supplier, discount_paise, taxable_paise, cgst_paise, sgst_paise, igst_paise,
                                  round_off_paise, total_paise)
            VALUES ('b2b', \(FinancialYear(containing: date).startYear), \(date.description)::date, \(warehouseID),
                    \(customerID), \(try PartyCommands.json(customer))::jsonb, \(customer.stateCode),
                    \(try PartyCommands.json(company))::jsonb, \(totals.discount.paise), \(totals.taxable.paise),
                    \(totals.cgst.paise), \(totals.sgst.paise), \(totals.igst.paise), \(totals.roundOff.paise),
                    \(totals.grandTotal.paise))
            RETURNING id
            """,
            logger: context.logger)
        try await transaction.preparedExecute(
            """
            INSERT INTO invoice_lines (invoice_id, line_number, product_id, batch_id, description, hsn_code, unit, quantity,
                                       unit_price_paise, price_basis, discount_paise, taxable_paise, gst_rate_basis_points,
                                       cgst_paise, sgst_paise, igst_paise, cost_paise, delivery_id, delivery_line)
            SELECT \(id), n, p, b, d, h, u, q, price, 'exclusive', disc, t, r, c, s, i, v, dl, dn
              FROM unnest(\(lines.map(\.product))::bigint[], \(lines.map(\.batch))::bigint[],
                          \(lines.map { products[$0.product]?.description ?? "" })::text[],
                          \(lines.map { products[$0.product]?.hsn ?? "" })::text[],
                          \(lines.map { products[$0.product]?.unit ?? "" })::text[], \(lines.map(\.quantity))::bigint[],
                          \(lines.map(\.rate))::bigint[], \(taxes.map(\.discount.paise))::bigint[],
                          \(taxes.map(\.taxable.paise))::bigint[],
                          \(lines.map { products[$0.product]?.rate ?? 0 })::integer[], \(taxes.map(\.cgst.paise))::bigint[],
                          \(taxes.map(\.sgst.paise))::bigint[], \(taxes.map(\.igst.paise))::bigint[],
                          \(lines.map(\.cost))::bigint[], \(lines.map(\.delivery))::bigint[],
                          \(lines.map(\.deliveryLine))::integer[])
                   WITH ORDINALITY AS l(p, b, d, h, u, q, price, disc, t, r, c, s, i, v, dl, dn, n)
            """,
            logger: context.logger)
        try await transaction.preparedExecute(
            "UPDATE deliveries SET invoice_id = \(id) WHERE id = ANY(\(ids))", logger: context.logger)
        try await transaction.preparedExecute(
            """
            UPDATE sales_order_lines l
               SET invoiced = l.invoiced + d.q
              FROM (SELECT x.order_id, dl.order_line, sum(dl.quantity)::bigint AS q
                      FROM delivery_lines dl JOIN deliveries x ON x.id = dl.delivery_id
                     WHERE x.id = ANY(\(ids)) GROUP BY 1, 2) d
             WHERE (l.order_id, l.line_number) = (d.order_id, d.order_line)
            """,
            logger: context.logger)
        // The number is taken at the commit, by invoice.issued's trigger.
        return id
    }

    /// The delivery lines of `deliveries` with their order lines' rates, discounts and
    /// what of them is invoiced, the order lines locked.
    static func lines(_ deliveries: [Int64], on transaction: PostgresConnection, context: CommandContext)
        async throws -> [Line]
    {
        let rows = try await transaction.preparedRows(
            """
            SELECT dl.delivery_id, dl.line_number, d.order_id, dl.order_line, dl.product_id, dl.batch_id, dl.quantity,
                   -dl.value_paise, l.rate_paise, l.discount_basis_points::bigint, l.discount_paise, l.quantity, l.invoiced
              FROM delivery_lines dl
              JOIN deliveries d ON d.id = dl.delivery_id
              JOIN sales_order_lines l ON (l.order_id, l.line_number) = (d.order_id, dl.order_line)
             WHERE dl.delivery_id = ANY(\(deliveries))
             ORDER BY dl.delivery_id, dl.line_number
               FOR UPDATE OF l
            """,
            as: (Int64, Int, Int64, Int, Int64, Int64, Int64, Int64, Int64, Int64?, Int64?, Int64, Int64).self,
            logger: context.logger)
        return rows.map {
            Line(
                delivery: $0.0, deliveryLine: $0.1, order: $0.2, orderLine: $0.3, product: $0.4, batch: $0.5,
                quantity: $0.6, cost: $0.7, rate: $0.8, percent: $0.9, amount: $0.10, ordered: $0.11, invoiced: $0.12)
        }
    }
}
