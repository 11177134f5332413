// Issues, transfers and adjustments: post a stock document and move its stock in one step.
import ERPKernel
public import ERPStore
import Logging
import MasterData
public import PostgresNIO

/// The write side of stock documents.
public enum StockCommands {
    /// Posts a stock issue.
    ///
    /// - Returns: The document id.
    /// - Throws: ``CommandError`` `.invalid` (bad fields, unknown ids, an expired batch)
    ///   or `.insufficientStock`.
    public static func issue(_ issue: NewStockIssue, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try issue.validate() } catch { throw CommandError(error) }
        return try await post(
            .issue, warehouse: issue.warehouseId, reference: issue.reference, note: issue.note, lines: issue.lines,
            on: transaction, context: context
        )
    }

    /// Posts a transfer between two warehouses.
    ///
    /// - Throws: As ``issue(_:on:context:)``.
    public static func transfer(
        _ transfer: NewStockTransfer, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try transfer.validate() } catch { throw CommandError(error) }
        return try await post(
            .transfer(to: transfer.toWarehouseId), warehouse: transfer.fromWarehouseId, reference: transfer.reference,
            note: transfer.note, lines: transfer.lines, on: transaction, context: context
        )
    }

    /// Posts an adjustment; lines are signed.
    ///
    /// - Throws: As ``issue(_:on:context:)``; an expired batch may only be adjusted down.
    public static func adjust(
        _ adjustment: NewStockAdjustment, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try adjustment.validate() } catch { throw CommandError(error) }
        return try await post(
            .adjustment(reason: adjustment.reason), warehouse: adjustment.warehouseId, reference: adjustment.reference,
            note: adjustment.note, lines: adjustment.lines, on: transaction, context: context
        )
    }

    private enum Kind {
        case issue
        case transfer(to: Int64)
        case adjustment(reason: String)

        var name: String {
            switch self {
            case .issue: "issue"
            case .transfer: "transfer"
            case .adjustment: "adjustment"
            }
        }

        var toWarehouse: Int64? {
            if case .transfer(let to) = self { to } else { nil }
        }

        var reason: String? {
            if case .adjustment(let reason) = self { reason } else { nil }
        }

        /// Where a line's quantity moves stock: out of `warehouse` for issues and
        /// transfers (and into the destination for transfers), signed for adjustments.
        func legs(of quantity: Int64, from warehouse: Int64) -> [(warehouse: Int64, quantity: Int64)] {
            switch self {
            case .issue: [(warehouse, -quantity)]
            case .transfer(let to): [(warehouse, -quantity), (to, quantity)]
            case .adjustment: [(warehouse, quantity)]
            }
        }

        /// An expired batch leaves only through an adjustment down.
        func allowsExpired(_ quantity: Int64) -> Bool {
            if case .adjustment = self { quantity < 0 } else { false }
        }
    }

    private static func post(
        _ kind: Kind, warehouse: Int64, reference: String?, note: String?, lines: [StockLine],
        on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        let source = kind.toWarehouse == nil ? "warehouseId" : "fromWarehouseId"
        try await requireWarehouses(
            [(source, warehouse)] + (kind.toWarehouse.map { [("toWarehouseId", $0)] } ?? []), on: transaction,
            context: context
        )
        let batches = try await Batches.resolve(
            lines.map { ($0.productId, $0.batchNumber) }, on: transaction, context: context)
        var refused = Validation()
        var changes: [StockChange] = []
        // Where each line's first leg is among the changes: the value it moved.
        var firstLegs: [Int] = []
        for (index, (line, batch)) in zip(lines, batches).enumerated() {
            firstLegs.append(changes.count)
            if batch.expired && !kind.allowsExpired(line.quantity) {
                refused.fail(
                    "lines[\(index)].batchNumber",
                    "batch \(line.batchNumber) expired on \(batch.expiresOn); expired stock leaves only through an adjustment down or a purchase return"
                )
            }
            for leg in kind.legs(of: line.quantity, from: warehouse) {
                changes.append(
                    StockChange(
                        productID: line.productId, warehouseID: leg.warehouse, batchID: batch.id,
                        quantity: leg.quantity,
                        field: "lines[\(index)]", batchLabel: "product \(line.productId) batch \(line.batchNumber)"
                    ))
            }
        }
        do { try refused.check() } catch { throw CommandError(error) }
        let values = try await StockLedger.apply(changes, on: transaction, context: context)

        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO stock_documents (kind, warehouse_id, to_warehouse_id, reason, reference, note)
            VALUES (\(kind.name), \(warehouse), \(kind.toWarehouse), \(kind.reason), \(Text.blankIsNil(reference)), \(Text.blankIsNil(note)))
            RETURNING id
            """,
            logger: context.logger
        )
        try await transaction.preparedExecute(
            """
            INSERT INTO stock_document_lines (document_id, line_number, product_id, batch_id, quantity, value_paise)
            SELECT \(id), n, p, b, q, v
              FROM unnest(\(lines.map(\.productId))::bigint[], \(batches.map(\.id))::bigint[], \(lines.map(\.quantity))::bigint[],
                          \(firstLegs.map { values[$0].paise })::bigint[])
                   WITH ORDINALITY AS l(p, b, q, v, n)
            """,
            logger: context.logger
        )
        return id
    }

    /// Refuses a warehouse id that does not exist, naming the field.
    private static func requireWarehouses(
        _ ids: [(field: String, id: Int64)], on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        var known: Set<Int64> = []
        for id in try await transaction.preparedRows(
            "SELECT id FROM warehouses WHERE id = ANY(\(ids.map(\.id)))", as: Int64.self, logger: context.logger)
        { known.insert(id) }
        let missing = ids.filter { !known.contains($0.id) }.map {
            FieldError($0.field, "there is no warehouse \($0.id)")
        }
        if !missing.isEmpty { throw CommandError(InvalidFields(errors: missing)) }
    }
}
