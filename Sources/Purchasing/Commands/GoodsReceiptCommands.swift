// Goods receipts: stock arriving against an approved purchase order, batch by batch.
import ERPKernel
public import ERPStore
import Inventory
import Logging
import MasterData
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
    public static func receive(_ receipt: NewGoodsReceipt, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        let today = try await PurchaseOrder.today(on: transaction, context: context)
        do { try receipt.validate(today: today) } catch { throw CommandError(error) }
        let order = try await PurchaseOrder.lock(
            receipt.purchaseOrderId, field: "purchaseOrderId", on: transaction, context: context)
        guard order.status == .approved || order.status == .partiallyReceived else {
            throw CommandError(
                .invalidState,
                "purchase order \(order.id) is \(order.status.rawValue); goods are received only against an approved order"
            )
        }
        let orderLines = try await order.lines(on: transaction, context: context)

        var check = Validation()
        var receiving: [Int: Int64] = [:]
        var products: [Int64] = []
        var costs: [Int64] = []
        for (index, line) in receipt.lines.enumerated() {
            guard let ordered = orderLines[line.orderLineNumber] else {
                check.fail(
                    "lines[\(index)].orderLineNumber", "purchase order \(order.id) has no line \(line.orderLineNumber)")
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

        let batches = try await Batches.register(
            zip(receipt.lines, products).enumerated().map { index, item in
                let (line, product) = item
                return NewBatch(
                    productID: product, batchNumber: line.batchNumber, expiresOn: line.expiresOn,
                    manufacturedOn: line.manufacturedOn, mrp: line.mrp, field: "lines[\(index)]"
                )
            },
            on: transaction, context: context
        )
        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO goods_receipts (order_id, vendor_id, warehouse_id, vendor_reference, received_on)
            VALUES (\(order.id), \(order.vendorID), \(order.warehouseID), \(Text.blankIsNil(receipt.vendorReference)), \(today.description)::date)
            RETURNING id
            """,
            logger: context.logger
        )
        try await transaction.preparedExecute(
            """
            INSERT INTO goods_receipt_lines (receipt_id, line_number, order_line_number, product_id, batch_id, quantity, unit_cost_paise)
            SELECT \(id), n, o, p, b, q, c
              FROM unnest(\(receipt.lines.map(\.orderLineNumber))::integer[], \(products)::bigint[], \(batches)::bigint[],
                          \(receipt.lines.map(\.quantity))::bigint[], \(costs)::bigint[]) WITH ORDINALITY AS l(o, p, b, q, c, n)
            """,
            logger: context.logger
        )
        try await order.record(received: receiving, billed: [:], on: transaction, context: context)
        // Stock last: every receipt of a product into the warehouse updates its one value
        // row, and holds that lock until the commit, so the less comes after it the better.
        try await StockLedger.apply(
            zip(receipt.lines, zip(products, batches)).enumerated().map { index, item in
                let (line, (product, batch)) = item
                return StockChange(
                    productID: product, warehouseID: order.warehouseID, batchID: batch, quantity: line.quantity,
                    field: "lines[\(index)]", batchLabel: "product \(product) batch \(line.batchNumber)",
                    unitCost: costs[index]
                )
            },
            on: transaction, context: context
        )
        return id
    }
}
