// Purchase returns: received stock going back to the vendor.
import ERPKernel
public import ERPStore
import Inventory
import Logging
import MasterData
public import PostgresNIO

/// The write side of purchase returns.
public enum PurchaseReturnCommands {
    /// Posts a return against a goods receipt: the stock leaves the receiving warehouse
    /// (expired batches included: returning them is how expired stock often leaves), and
    /// the order's received figures go down. Billed figures go down as far as the
    /// returned units had been billed; each line records how many, for the debit note.
    ///
    /// - Returns: The return id.
    /// - Throws: ``CommandError`` `.invalid` (bad fields, unknown receipt or line, more
    ///   than received less earlier returns) or `.insufficientStock` (the units were
    ///   issued meanwhile).
    public static func post(
        _ purchaseReturn: NewPurchaseReturn, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try purchaseReturn.validate() } catch { throw CommandError(error) }
        let receiptID = purchaseReturn.goodsReceiptId
        guard
            let orderID = try await transaction.value(
                "SELECT order_id FROM goods_receipts WHERE id = \(receiptID)", as: Int64.self, logger: context.logger)
        else {
            throw CommandError(
                .invalid, "there is no goods receipt \(receiptID)",
                fieldErrors: [FieldError("goodsReceiptId", "there is no goods receipt \(receiptID)")])
        }
        let order = try await PurchaseOrder.lock(orderID, on: transaction, context: context)
        let orderLines = try await order.lines(on: transaction, context: context)
        let receiptLines = try await transaction.rows(
            """
            SELECT l.line_number, l.order_line_number, l.product_id, l.batch_id, b.batch_number, l.quantity, l.unit_cost_paise,
                   COALESCE((SELECT sum(rl.quantity)
                               FROM purchase_return_lines rl
                               JOIN purchase_returns r ON r.id = rl.return_id
                              WHERE r.receipt_id = l.receipt_id AND rl.receipt_line_number = l.line_number), 0)::bigint
              FROM goods_receipt_lines l
              JOIN batches b ON b.id = l.batch_id
             WHERE l.receipt_id = \(receiptID)
            """,
            as: (Int, Int, Int64, Int64, String, Int64, Int64, Int64).self, logger: context.logger
        )
        let byNumber = Dictionary(receiptLines.map { ($0.0, $0) }, uniquingKeysWith: { first, _ in first })

        var check = Validation()
        var returning:
            [(
                line: NewPurchaseReturn.Line, orderLine: Int, product: Int64, batch: Int64, batchNumber: String,
                cost: Int64
            )] = []
        var unreceive: [Int: Int64] = [:]
        for (index, line) in purchaseReturn.lines.enumerated() {
            guard
                let (_, orderLine, product, batch, batchNumber, received, cost, returned) = byNumber[
                    line.receiptLineNumber]
            else {
                check.fail(
                    "lines[\(index)].receiptLineNumber",
                    "goods receipt \(receiptID) has no line \(line.receiptLineNumber)")
                continue
            }
            check.require(
                line.quantity <= received - returned, "lines[\(index)].quantity",
                "only \(received - returned) of receipt line \(line.receiptLineNumber) can be returned (\(received) received, \(returned) returned before)"
            )
            returning.append((line, orderLine, product, batch, batchNumber, cost))
            unreceive[orderLine, default: 0] += line.quantity
        }
        do { try check.check() } catch { throw CommandError(error) }

        let values = try await StockLedger.apply(
            returning.enumerated().map { index, item in
                StockChange(
                    productID: item.product, warehouseID: order.warehouseID, batchID: item.batch,
                    quantity: -item.line.quantity,
                    field: "lines[\(index)]", batchLabel: "product \(item.product) batch \(item.batchNumber)"
                )
            },
            on: transaction, context: context
        )

        // Returned units come out of the unbilled quantity first; the rest were billed
        // and the vendor owes a debit note for them.
        var billedLeft: [Int: Int64] = [:]
        for (number, quantity) in unreceive {
            guard let line = orderLines[number] else { continue }
            billedLeft[number] = max(0, line.billed - (line.received - quantity))
        }
        var billedPerLine: [Int64] = []
        for item in returning {
            let billed = min(item.line.quantity, billedLeft[item.orderLine, default: 0])
            billedLeft[item.orderLine, default: 0] -= billed
            billedPerLine.append(billed)
        }
        var unbill: [Int: Int64] = [:]
        for (item, billed) in zip(returning, billedPerLine) { unbill[item.orderLine, default: 0] += billed }

        let id = try await transaction.insertReturningID(
            """
            INSERT INTO purchase_returns (receipt_id, order_id, vendor_id, warehouse_id, reason)
            VALUES (\(receiptID), \(order.id), \(order.vendorID), \(order.warehouseID), \(Text.trimmed(purchaseReturn.reason)))
            RETURNING id
            """,
            logger: context.logger
        )
        // The billed units' value and tax: their share of what the order line's bills
        // charged and earlier returns have not claimed back yet (rounded half up), which
        // the debit note claims back; the last billed unit returned takes what is left.
        try await transaction.execute(
            """
            INSERT INTO purchase_return_lines (return_id, line_number, receipt_line_number, order_line_number, product_id,
                                               batch_id, quantity, billed_quantity, unit_cost_paise, value_paise,
                                               billed_taxable_paise, cgst_paise, sgst_paise, igst_paise)
            SELECT \(id), n, r, o, p, b, q, billed, cost, v,
                   COALESCE(round(bills.taxable * billed / bills.quantity), 0),
                   COALESCE(round(bills.cgst * billed / bills.quantity), 0),
                   COALESCE(round(bills.sgst * billed / bills.quantity), 0),
                   COALESCE(round(bills.igst * billed / bills.quantity), 0)
              FROM unnest(\(returning.map(\.line.receiptLineNumber))::integer[], \(returning.map(\.orderLine))::integer[],
                          \(returning.map(\.product))::bigint[], \(returning.map(\.batch))::bigint[],
                          \(returning.map(\.line.quantity))::bigint[], \(billedPerLine)::bigint[], \(returning.map(\.cost))::bigint[],
                          \(values.map(\.paise))::bigint[])
                   WITH ORDINALITY AS l(r, o, p, b, q, billed, cost, v, n)
              LEFT JOIN LATERAL (
                   SELECT NULLIF(billed.quantity - returned.quantity, 0) AS quantity,
                          billed.taxable - returned.taxable AS taxable, billed.cgst - returned.cgst AS cgst,
                          billed.sgst - returned.sgst AS sgst, billed.igst - returned.igst AS igst
                     FROM (SELECT sum(bl.quantity) AS quantity, sum(bl.taxable_paise) AS taxable,
                                  sum(bl.cgst_paise) AS cgst, sum(bl.sgst_paise) AS sgst, sum(bl.igst_paise) AS igst
                             FROM vendor_bill_lines bl JOIN vendor_bills vb ON vb.id = bl.bill_id
                            WHERE vb.order_id = \(order.id) AND bl.order_line_number = l.o) billed,
                          (SELECT COALESCE(sum(rl.billed_quantity), 0) AS quantity,
                                  COALESCE(sum(rl.billed_taxable_paise), 0) AS taxable,
                                  COALESCE(sum(rl.cgst_paise), 0) AS cgst, COALESCE(sum(rl.sgst_paise), 0) AS sgst,
                                  COALESCE(sum(rl.igst_paise), 0) AS igst
                             FROM purchase_return_lines rl JOIN purchase_returns pr ON pr.id = rl.return_id
                            WHERE pr.order_id = \(order.id) AND rl.order_line_number = l.o) returned) bills
                ON billed > 0
            """,
            logger: context.logger
        )
        try await order.record(
            received: unreceive.mapValues { -$0 }, billed: unbill.mapValues { -$0 }, on: transaction, context: context
        )
        return id
    }
}
