// Vendor bills: the vendor's invoice, matched against the order and what was received.
import ERPKernel
public import ERPStore
import Inventory
import Logging
import MasterData
public import PostgresNIO

/// The write side of vendor bills.
public enum VendorBillCommands {
    /// Posts a bill against an order's received lines (three-way match: order, receipt,
    /// bill). Each line's GST is the product's rate on the bill date, split CGST + SGST
    /// when the vendor is in the receiving warehouse's state and IGST otherwise; the
    /// difference between billed price and ordered cost is reported as price variance.
    ///
    /// - Returns: The bill id.
    /// - Throws: ``CommandError`` `.invalid` (bad fields, unknown order or line, billing
    ///   more than received, no GST rate on the date), `.duplicate` (bill number already
    ///   posted for the vendor) or `.invalidState` (a draft or cancelled order).
    public static func post(_ bill: NewVendorBill, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        let today = try await PurchaseOrder.today(on: transaction, context: context)
        do { try bill.validate(today: today) } catch { throw CommandError(error) }
        let order = try await PurchaseOrder.lock(
            bill.purchaseOrderId, field: "purchaseOrderId", on: transaction, context: context)
        guard order.status != .draft && order.status != .cancelled else {
            throw CommandError(
                .invalidState, "purchase order \(order.id) is \(order.status.rawValue); nothing was received to bill")
        }
        let orderLines = try await order.lines(on: transaction, context: context)
        let places = try await transaction.rows(
            """
            SELECT v.state_code, w.state_code
              FROM vendors v, warehouses w
             WHERE v.id = \(order.vendorID) AND w.id = \(order.warehouseID)
            """,
            as: (String, String).self, logger: context.logger
        )
        guard let (vendorState, warehouseState) = places.first else {
            throw CommandError(.notFound, "the order's vendor or warehouse is gone")
        }
        let rates = try await ratesOn(bill.billDate, productsOf: orderLines, on: transaction, context: context)

        var check = Validation()
        var billing: [Int: Int64] = [:]
        var priced: [(line: NewVendorBill.Line, ordered: PurchaseOrder.Line, rate: Int64, amounts: BilledLine)] = []
        for (index, line) in bill.lines.enumerated() {
            guard let ordered = orderLines[line.orderLineNumber] else {
                check.fail(
                    "lines[\(index)].orderLineNumber", "purchase order \(order.id) has no line \(line.orderLineNumber)")
                continue
            }
            billing[line.orderLineNumber, default: 0] += line.quantity
            let billed = ordered.billed + line.quantity
            check.require(
                billed <= ordered.received, "lines[\(index)].quantity",
                "would bring order line \(line.orderLineNumber) to \(billed) billed of \(ordered.received) received (\(ordered.billed) billed before)"
            )
            guard let rate = rates[ordered.productID] else {
                check.fail(
                    "lines[\(index)].orderLineNumber",
                    "product \(ordered.productID) has no GST rate effective on \(bill.billDate)")
                continue
            }
            let amounts = BilledLine(
                quantity: line.quantity, unitPrice: Money(paise: line.unitPrice),
                orderedUnitCost: Money(paise: ordered.unitCost),
                rateBasisPoints: rate, vendorState: vendorState, warehouseState: warehouseState
            )
            priced.append((line, ordered, rate, amounts))
        }
        do { try check.check() } catch { throw CommandError(error) }

        let taxable = priced.reduce(Money.zero) { $0 + $1.amounts.taxable }
        let cgst = priced.reduce(Money.zero) { $0 + $1.amounts.tax.cgst }
        let sgst = priced.reduce(Money.zero) { $0 + $1.amounts.tax.sgst }
        let igst = priced.reduce(Money.zero) { $0 + $1.amounts.tax.igst }
        let variance = priced.reduce(Money.zero) { $0 + $1.amounts.priceVariance }
        let supply = vendorState == warehouseState ? "intra_state" : "inter_state"
        let billNumber = Text.trimmed(bill.billNumber)
        let id = try await CommandError.uniquely("billNumber", billNumber) {
            try await transaction.insertReturningID(
                """
                INSERT INTO vendor_bills (vendor_id, order_id, bill_number, bill_date, supply, taxable_paise,
                                          cgst_paise, sgst_paise, igst_paise, total_paise, price_variance_paise)
                VALUES (\(order.vendorID), \(order.id), \(billNumber), \(bill.billDate.description)::date, \(supply), \(taxable.paise),
                        \(cgst.paise), \(sgst.paise), \(igst.paise), \((taxable + cgst + sgst + igst).paise), \(variance.paise))
                RETURNING id
                """,
                logger: context.logger
            )
        }
        try await transaction.execute(
            """
            INSERT INTO vendor_bill_lines (bill_id, line_number, order_line_number, product_id, quantity, unit_price_paise,
                                           ordered_unit_cost_paise, price_variance_paise, gst_rate_basis_points,
                                           taxable_paise, cgst_paise, sgst_paise, igst_paise)
            SELECT \(id), n, o, p, q, price, cost, variance, rate, taxable, cgst, sgst, igst
              FROM unnest(\(priced.map(\.line.orderLineNumber))::integer[], \(priced.map(\.ordered.productID))::bigint[],
                          \(priced.map(\.line.quantity))::bigint[], \(priced.map(\.line.unitPrice))::bigint[],
                          \(priced.map(\.ordered.unitCost))::bigint[], \(priced.map(\.amounts.priceVariance.paise))::bigint[],
                          \(priced.map(\.rate))::integer[], \(priced.map(\.amounts.taxable.paise))::bigint[],
                          \(priced.map(\.amounts.tax.cgst.paise))::bigint[], \(priced.map(\.amounts.tax.sgst.paise))::bigint[],
                          \(priced.map(\.amounts.tax.igst.paise))::bigint[])
                   WITH ORDINALITY AS l(o, p, q, price, cost, variance, rate, taxable, cgst, sgst, igst, n)
            """,
            logger: context.logger
        )
        try await order.record(received: [:], billed: billing, on: transaction, context: context)
        return id
    }

    /// Each product's GST rate on `date`: the latest effective on or before it.
    private static func ratesOn(
        _ date: CalendarDate, productsOf lines: [Int: PurchaseOrder.Line], on transaction: PostgresConnection,
        context: CommandContext
    ) async throws -> [Int64: Int64] {
        let rows = try await transaction.rows(
            """
            SELECT DISTINCT ON (product_id) product_id, rate_basis_points::bigint
              FROM product_gst_rates
             WHERE product_id = ANY(\(lines.values.map(\.productID))) AND effective_from <= \(date.description)::date
             ORDER BY product_id, effective_from DESC
            """,
            as: (Int64, Int64).self, logger: context.logger
        )
        return Dictionary(rows.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
    }
}
