// A delivery against a confirmed sales order: batches picked FEFO with the customer's
// minimum shelf life (or named), the stock out at moving-average cost, the order's
// reservation used up. The trigger records goods.delivered.
import ERPKernel
public import ERPStore
import Foundation
import Inventory
public import PostgresNIO

/// Posts deliveries.
public enum DeliveryCommand {
    /// Posts `delivery` and returns its id.
    ///
    /// - Throws: ``CommandError`` `.notFound` (the order), `.invalidState` (not
    ///   confirmed), `.invalid` (a line, more than ordered, a batch, the customer's
    ///   licence), `.insufficientStock`.
    public static func post(_ delivery: NewDelivery, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try delivery.validate() } catch { throw CommandError(error) }
        let orderID = delivery.salesOrderId
        let order = try await SalesOrderCommands.lockedOrder(orderID, on: transaction, context: context)
        guard order.status == "confirmed" || order.status == "partially_delivered" else {
            throw CommandError(
                .invalidState,
                "sales order \(orderID) is \(order.status): deliveries go against confirmed orders with something left to deliver"
            )
        }
        let date = try await SaleParties.businessDate(on: transaction, context: context)
        let customer = try await SaleParties.customer(order.customerId, lock: false, on: transaction, context: context)
        let rows = try await transaction.rows(
            """
            SELECT l.line_number, l.product_id, l.quantity, l.delivered, p.hsn_code
              FROM sales_order_lines l JOIN products p ON p.id = l.product_id
             WHERE l.order_id = \(orderID)
            """,
            as: (Int, Int64, Int64, Int64, String).self, logger: context.logger)
        var lines: [Int: (product: Int64, quantity: Int64, delivered: Int64, hsn: String)] = [:]
        for (number, product, quantity, delivered, hsn) in rows { lines[number] = (product, quantity, delivered, hsn) }
        var check = Validation()
        for (index, line) in delivery.lines.enumerated() {
            guard let ordered = lines[line.orderLine] else {
                check.fail("lines[\(index)].orderLine", "sales order \(orderID) has no line \(line.orderLine)")
                continue
            }
            if ordered.delivered + line.quantity > ordered.quantity {
                check.fail(
                    "lines[\(index)].quantity",
                    "line \(line.orderLine) ordered \(ordered.quantity) and \(ordered.delivered) are delivered: at most \(ordered.quantity - ordered.delivered) more"
                )
            }
        }
        do { try check.check() } catch { throw CommandError(error) }
        try SaleParties.requireLicence(
            of: customer, on: date, selling: delivery.lines.compactMap { lines[$0.orderLine]?.hsn })

        let pieces = try await BatchPicker.pick(
            delivery.lines.enumerated().map { index, line in
                BatchPicker.Request(
                    field: "lines[\(index)]", product: lines[line.orderLine]?.product ?? 0, quantity: line.quantity,
                    batchNumber: line.batchNumber)
            },
            warehouse: order.warehouseId, shelfLifeDays: customer.minimumShelfLifeDays, on: transaction,
            context: context)
        var releasing: [StockPlace: Int64] = [:]
        for piece in pieces {
            releasing[StockPlace(product: piece.product, warehouse: order.warehouseId), default: 0] += piece.quantity
        }
        let values = try await StockLedger.apply(
            pieces.map {
                StockChange(
                    productID: $0.product, warehouseID: order.warehouseId, batchID: $0.batch, quantity: -$0.quantity,
                    field: "lines[\($0.request)]", batchLabel: "product \($0.product) batch \($0.batchNumber)")
            },
            releasing: releasing, on: transaction, context: context)
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO deliveries (order_id, customer_id, warehouse_id, delivered_on)
            VALUES (\(orderID), \(order.customerId), \(order.warehouseId), \(date.description)::date)
            RETURNING id
            """,
            logger: context.logger)
        let orderLines = pieces.map { delivery.lines[$0.request].orderLine }
        try await transaction.execute(
            """
            INSERT INTO delivery_lines (delivery_id, line_number, order_line, product_id, batch_id, quantity, value_paise)
            SELECT \(id), n, o, p, b, q, v
              FROM unnest(\(orderLines)::integer[], \(pieces.map(\.product))::bigint[], \(pieces.map(\.batch))::bigint[],
                          \(pieces.map(\.quantity))::bigint[], \(values.map(\.paise))::bigint[])
                   WITH ORDINALITY AS l(o, p, b, q, v, n)
            """,
            logger: context.logger)
        try await transaction.execute(
            """
            UPDATE sales_order_lines l
               SET delivered = l.delivered + d.q
              FROM unnest(\(delivery.lines.map(\.orderLine))::integer[], \(delivery.lines.map(\.quantity))::bigint[]) AS d(o, q)
             WHERE l.order_id = \(orderID) AND l.line_number = d.o
            """,
            logger: context.logger)
        try await transaction.execute(
            """
            UPDATE sales_orders o
               SET status = CASE WHEN EXISTS (SELECT FROM sales_order_lines l WHERE l.order_id = o.id AND l.delivered < l.quantity)
                                 THEN 'partially_delivered' ELSE 'delivered' END,
                   version = version + 1, updated_at = now()
             WHERE id = \(orderID)
            """,
            logger: context.logger)
        return id
    }
}
