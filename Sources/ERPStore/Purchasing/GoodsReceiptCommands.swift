// Goods receipts: stock arriving against an approved purchase order, batch by batch.
public import ERPDomain
import Logging
public import PostgresNIO

/// The write side of goods receipts.
public enum GoodsReceiptCommands {
    /// Posts a receipt: creates the batches it names for the first time, adds the stock
    /// to the order's warehouse and the quantities to the order's received figures.
    ///
    /// - Returns: The receipt id.
    /// - Throws: ``CommandError`` `.invalid` (bad fields, an unknown order or line, more
    ///   than ordered, a known batch with another expiry) or `.invalidState` (the order is
    ///   not approved).
    public static func receive(_ receipt: NewGoodsReceipt, on transaction: PostgresConnection, context: CommandContext) async throws -> Int64 {
        let today = try await PurchaseOrder.today(on: transaction, context: context)
        do { try receipt.validate(today: today) } catch { throw CommandError(error) }
        let order = try await PurchaseOrder.lock(receipt.purchaseOrderId, field: "purchaseOrderId", on: transaction, context: context)
        guard order.status == "approved" || order.status == "partially_received" else {
            throw CommandError(.invalidState, "purchase order \(order.id) is \(order.status); goods are received only against an approved order")
        }
        let orderLines = try await order.lines(on: transaction, context: context)

        var check = Validation()
        var receiving: [Int: Int64] = [:]
        var products: [Int64] = []
        var costs: [Int64] = []
        for (index, line) in receipt.lines.enumerated() {
            guard let ordered = orderLines[line.orderLineNumber] else {
                check.fail("lines[\(index)].orderLineNumber", "purchase order \(order.id) has no line \(line.orderLineNumber)")
                products.append(0)
                costs.append(0)
                continue
            }
            products.append(ordered.productID)
            costs.append(ordered.unitCost)
            receiving[line.orderLineNumber, default: 0] += line.quantity
            let total = ordered.received + receiving[line.orderLineNumber, default: 0]
            check.require(
                total <= ordered.quantity, "lines[\(index)].quantity",
                "would bring order line \(line.orderLineNumber) to \(total) received of \(ordered.quantity) ordered (\(ordered.received) received before)"
            )
        }
        do { try check.check() } catch { throw CommandError(error) }

        let batches = try await createBatches(receipt.lines, products: products, on: transaction, context: context)
        try await StockLedger.apply(
            zip(receipt.lines, zip(products, batches)).enumerated().map { index, item in
                let (line, (product, batch)) = item
                return StockChange(
                    productID: product, warehouseID: order.warehouseID, batchID: batch, quantity: line.quantity,
                    field: "lines[\(index)]", batchLabel: "product \(product) batch \(line.batchNumber)"
                )
            },
            on: transaction, context: context
        )
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO goods_receipts (order_id, vendor_id, warehouse_id, vendor_reference, received_on)
            VALUES (\(order.id), \(order.vendorID), \(order.warehouseID), \(Text.blankIsNil(receipt.vendorReference)), \(today.description)::date)
            RETURNING id
            """,
            logger: context.logger
        )
        try await transaction.execute(
            """
            INSERT INTO goods_receipt_lines (receipt_id, line_number, order_line_number, product_id, batch_id, quantity, unit_cost_paise)
            SELECT \(id), n, o, p, b, q, c
              FROM unnest(\(receipt.lines.map(\.orderLineNumber))::integer[], \(products)::bigint[], \(batches)::bigint[],
                          \(receipt.lines.map(\.quantity))::bigint[], \(costs)::bigint[]) WITH ORDINALITY AS l(o, p, b, q, c, n)
            """,
            logger: context.logger
        )
        try await order.record(received: receiving, billed: [:], on: transaction, context: context)
        return id
    }

    /// The batch id of each line: batches seen for the first time are created; a known
    /// batch must carry the same expiry date.
    private static func createBatches(
        _ lines: [NewGoodsReceipt.Line], products: [Int64], on transaction: PostgresConnection, context: CommandContext
    ) async throws -> [Int64] {
        // Arrays cannot carry NULL here: '' is no manufacturing date and -1 no MRP.
        // Inserted in key order: two receipts creating the same batches queue, never deadlock.
        try await transaction.execute(
            """
            INSERT INTO batches (product_id, batch_number, manufactured_on, expires_on, mrp_paise)
            SELECT u.p, u.number, NULLIF(u.made, '')::date, u.expires::date, COALESCE(NULLIF(u.mrp, -1), products.mrp_paise)
              FROM unnest(\(products)::bigint[], \(lines.map(\.batchNumber))::text[], \(lines.map { $0.manufacturedOn?.description ?? "" })::text[],
                          \(lines.map(\.expiresOn.description))::text[], \(lines.map { $0.mrp ?? -1 })::bigint[]) AS u(p, number, made, expires, mrp)
              JOIN products ON products.id = u.p
             ORDER BY u.p, u.number
            ON CONFLICT (product_id, batch_number) DO NOTHING
            """,
            logger: context.logger
        )
        let rows = try await transaction.rows(
            """
            SELECT b.id, b.expires_on::text
              FROM unnest(\(products)::bigint[], \(lines.map(\.batchNumber))::text[]) WITH ORDINALITY AS u(p, number, n)
              JOIN batches b ON (b.product_id, b.batch_number) = (u.p, u.number)
             ORDER BY u.n
            """,
            as: (Int64, String).self, logger: context.logger
        )
        var check = Validation()
        for (index, (line, (_, expiresOn))) in zip(lines, rows).enumerated() where expiresOn != line.expiresOn.description {
            check.fail("lines[\(index)].expiresOn", "batch \(line.batchNumber) is already recorded with expiry \(expiresOn)")
        }
        do { try check.check() } catch { throw CommandError(error) }
        return rows.map(\.0)
    }
}
