// A counter sale in one transaction: batches picked FEFO, prices at most the MRP, tax
// taken out of the inclusive price, the stock out at cost, the payments, and the tax
// invoice numbered last.
import ERPKernel
public import ERPStore
import Foundation
import Inventory
public import PostgresNIO

/// Posts counter sales.
public enum CounterSaleCommand {
    /// A product as the invoice needs it.
    struct Product {
        var description: String
        var hsn: String
        var unit: String
        var rate: Int64?
        var active: Bool
    }

    /// Issues the tax invoice of `sale` and returns its id; the invoice is numbered at the commit.
    ///
    /// - Throws: ``CommandError`` `.invalid` (a field, the company profile, a price above
    ///   MRP, payments that do not add up), `.insufficientStock`.
    public static func post(_ sale: CounterSale, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try sale.validate() } catch { throw CommandError(error) }
        let company = try await PartyCommands.completeCompany(on: transaction, logger: context.logger)
        guard let companyState = company.stateCode, let prefix = company.counterSalePrefix else {
            throw CommandError(.invalid, "the company profile has no state or counter sale prefix")
        }
        let place = sale.deliveryStateCode ?? companyState
        guard
            let today = try await transaction.preparedValue(
                "SELECT business_date()::text", as: String.self, logger: context.logger),
            let date = try? CalendarDate(today)
        else { throw CommandError(.notFound, "the database gave no business date") }
        try await DocumentSeries.counterSale.requireRoom(
            prefix: prefix, on: date, transaction: transaction, context: context)
        // Medicines are sold under a licence in force on the day.
        guard (company.drugLicences ?? []).contains(where: { $0.isValid(on: date) }) else {
            throw CommandError(
                .invalid, "no drug licence of the company is valid on \(date): renew it in the company profile",
                fieldErrors: [FieldError("company.drugLicences", "none is valid on \(date)")])
        }
        let warehouse = try await transaction.preparedValue(
            "SELECT id FROM warehouses WHERE id = \(sale.warehouseId) AND active", as: Int64.self,
            logger: context.logger)
        guard warehouse != nil else {
            throw CommandError(
                InvalidFields(errors: [FieldError("warehouseId", "there is no active warehouse \(sale.warehouseId)")]))
        }
        let products = try await Self.products(sale.lines.map(\.productId), on: date, transaction, context)
        var check = Validation()
        let band = company.turnoverBand ?? .upToFiveCrore
        for (index, line) in sale.lines.enumerated() {
            guard let product = products[line.productId] else {
                check.fail("lines[\(index)].productId", "there is no product \(line.productId)")
                continue
            }
            check.require(product.active, "lines[\(index)].productId", "product \(line.productId) is inactive")
            check.require(
                product.rate != nil, "lines[\(index)].productId",
                "product \(line.productId) has no GST rate effective on \(date)")
            check.require(
                product.hsn.count >= band.hsnDigits, "lines[\(index)].productId",
                "product \(line.productId)'s HSN \(product.hsn) has fewer than the \(band.hsnDigits) digits the company's turnover needs"
            )
        }
        do { try check.check() } catch { throw CommandError(error) }

        let pieces = try await BatchPicker.pick(
            sale.lines.enumerated().map { index, line in
                BatchPicker.Request(
                    field: "lines[\(index)]", product: line.productId, quantity: line.quantity,
                    batchNumber: line.batchNumber)
            },
            warehouse: sale.warehouseId, on: transaction, context: context)
        let interState = place != companyState
        var taxes: [LineTax] = []
        for (index, line) in sale.lines.enumerated() {
            let mine = pieces.filter { $0.request == index }
            let total = mine.reduce(Int64(0)) { $0 + $1.quantity }
            var discountLeft = line.discountPaise ?? 0
            for (position, piece) in mine.enumerated() {
                let price = line.unitPrice ?? piece.mrp
                if price > piece.mrp {
                    check.fail(
                        "lines[\(index)].unitPrice",
                        "\(Money(paise: price)) is above the MRP \(Money(paise: piece.mrp)) of batch \(piece.batchNumber): nothing is sold above MRP"
                    )
                }
                // An amount off a line that spans batches is shared by quantity; the last takes the rest.
                var discount = line.discount
                if line.discountPaise != nil {
                    let share =
                        position == mine.count - 1
                        ? discountLeft
                        : Money(paise: line.discountPaise ?? 0).scaled(by: piece.quantity, dividedBy: total).paise
                    discountLeft -= share
                    discount = .amount(Money(paise: share))
                }
                let gross = Money(paise: price).times(piece.quantity)
                if discount.of(gross) > gross {
                    check.fail("lines[\(index)].discountPaise", "is more than the line's \(gross)")
                }
                taxes.append(
                    LineTax(
                        quantity: piece.quantity, unitPrice: Money(paise: price), discount: discount, basis: .inclusive,
                        rateBasisPoints: products[piece.product]?.rate ?? 0, interState: interState))
            }
        }
        do { try check.check() } catch { throw CommandError(error) }
        let totals = DocumentTotals(taxes)
        let paid = sale.payments.reduce(Int64(0)) { $0 + $1.amountPaise }
        if paid != totals.grandTotal.paise {
            check.fail(
                "payments", "add up to \(Money(paise: paid)); the invoice's total is \(totals.grandTotal)")
        }
        // Rule 46 (e): an unregistered buyer's name and address from ₹50,000 of taxable value.
        if totals.taxable.paise >= 5_000_000 {
            check.text(sale.customerName, "customerName", maximum: 200)
            check.text(sale.customerAddress, "customerAddress", maximum: 300)
        }
        do { try check.check() } catch { throw CommandError(error) }

        let supplier = try PartyCommands.json(company)
        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO invoices (kind, financial_year, invoice_date, warehouse_id, buyer_name, buyer_phone, buyer_address,
                                  place_of_supply, supplier, discount_paise, taxable_paise, cgst_paise, sgst_paise,
                                  igst_paise, round_off_paise, total_paise)
            VALUES ('counter_sale', \(FinancialYear(containing: date).startYear), \(today)::date, \(sale.warehouseId),
                    \(Text.blankIsNil(sale.customerName)), \(Text.blankIsNil(sale.customerPhone)),
                    \(Text.blankIsNil(sale.customerAddress)), \(place), \(supplier)::jsonb, \(totals.discount.paise),
                    \(totals.taxable.paise), \(totals.cgst.paise), \(totals.sgst.paise), \(totals.igst.paise),
                    \(totals.roundOff.paise), \(totals.grandTotal.paise))
            RETURNING id
            """,
            logger: context.logger)
        try await transaction.preparedExecute(
            """
            INSERT INTO invoice_payments (invoice_id, line_number, mode, reference, amount_paise)
            SELECT \(id), n, m, NULLIF(btrim(r), ''), a
              FROM unnest(\(sale.payments.map(\.mode))::text[], \(sale.payments.map { $0.reference ?? "" })::text[],
                          \(sale.payments.map(\.amountPaise))::bigint[]) WITH ORDINALITY AS p(m, r, a, n)
            """,
            logger: context.logger)
        // Stock next to last: each sale of a product updates its one value row in the
        // warehouse and holds that lock until the commit, so the less comes after it the better.
        let values = try await StockLedger.apply(
            pieces.map {
                StockChange(
                    productID: $0.product, warehouseID: sale.warehouseId, batchID: $0.batch, quantity: -$0.quantity,
                    field: "lines[\($0.request)]", batchLabel: "product \($0.product) batch \($0.batchNumber)")
            },
            on: transaction, context: context)
        let prices = pieces.map { piece in sale.lines[piece.request].unitPrice ?? piece.mrp }
        try await transaction.preparedExecute(
            """
            INSERT INTO invoice_lines (invoice_id, line_number, product_id, batch_id, description, hsn_code, unit, quantity,
                                       unit_price_paise, price_basis, discount_paise, taxable_paise, gst_rate_basis_points,
                                       cgst_paise, sgst_paise, igst_paise, cost_paise)
            SELECT \(id), n, p, b, d, h, u, q, price, 'inclusive', disc, t, r, c, s, i, v
              FROM unnest(\(pieces.map(\.product))::bigint[], \(pieces.map(\.batch))::bigint[],
                          \(pieces.map { products[$0.product]?.description ?? "" })::text[],
                          \(pieces.map { products[$0.product]?.hsn ?? "" })::text[],
                          \(pieces.map { products[$0.product]?.unit ?? "" })::text[], \(pieces.map(\.quantity))::bigint[],
                          \(prices)::bigint[], \(taxes.map(\.discount.paise))::bigint[], \(taxes.map(\.taxable.paise))::bigint[],
                          \(pieces.map { products[$0.product]?.rate ?? 0 })::integer[], \(taxes.map(\.cgst.paise))::bigint[],
                          \(taxes.map(\.sgst.paise))::bigint[], \(taxes.map(\.igst.paise))::bigint[],
                          \(values.map { -$0.paise })::bigint[])
                   WITH ORDINALITY AS l(p, b, d, h, u, q, price, disc, t, r, c, s, i, v, n)
            """,
            logger: context.logger)
        // The number is taken at the commit, by invoice.issued's trigger.
        return id
    }

    /// The products `ids` with what the invoice prints and the GST rate of `date`.
    static func products(
        _ ids: [Int64], on date: CalendarDate, _ transaction: PostgresConnection, _ context: CommandContext
    ) async throws -> [Int64: Product] {
        let rows = try await transaction.preparedRows(
            """
            SELECT p.id,
                   p.name || CASE WHEN p.potency IS NULL OR strpos(p.name, p.potency) > 0 THEN '' ELSE ' ' || p.potency END
                   || ', ' || p.pack_size || ' ' || p.pack_unit,
                   -- Packs are counted as numbers (UQC NOS); the pack's contents are in the description.
                   p.hsn_code, 'NOS', p.active,
                   (SELECT g.rate_basis_points::bigint FROM product_gst_rates g
                     WHERE g.product_id = p.id AND g.effective_from <= \(date.description)::date
                     ORDER BY g.effective_from DESC LIMIT 1)
              FROM products p WHERE p.id = ANY(\(ids))
            """,
            as: (Int64, String, String, String, Bool, Int64?).self, logger: context.logger)
        var products: [Int64: Product] = [:]
        for (id, description, hsn, unit, active, rate) in rows {
            products[id] = Product(description: description, hsn: hsn, unit: unit, rate: rate, active: active)
        }
        return products
    }
}
