// Issues, transfers and adjustments: post a stock document and move its stock in one step.
public import ERPDomain
import Logging
public import PostgresNIO

/// The write side of stock documents.
public enum StockCommands {
    /// Posts a stock issue.
    ///
    /// - Returns: The document id.
    /// - Throws: ``CommandError`` `.invalid` (bad fields, unknown ids, an expired batch)
    ///   or `.insufficientStock`.
    public static func issue(_ issue: NewStockIssue, on transaction: PostgresConnection, context: CommandContext) async throws -> Int64 {
        do { try issue.validate() } catch { throw CommandError(error) }
        return try await post(
            .issue, warehouse: issue.warehouseId, reference: issue.reference, note: issue.note, lines: issue.lines,
            on: transaction, context: context
        )
    }

    /// Posts a transfer between two warehouses.
    ///
    /// - Throws: As ``issue(_:on:context:)``.
    public static func transfer(_ transfer: NewStockTransfer, on transaction: PostgresConnection, context: CommandContext) async throws -> Int64 {
        do { try transfer.validate() } catch { throw CommandError(error) }
        return try await post(
            .transfer(to: transfer.toWarehouseId), warehouse: transfer.fromWarehouseId, reference: transfer.reference,
            note: transfer.note, lines: transfer.lines, on: transaction, context: context
        )
    }

    /// Posts an adjustment; lines are signed.
    ///
    /// - Throws: As ``issue(_:on:context:)``; an expired batch may only be adjusted down.
    public static func adjust(_ adjustment: NewStockAdjustment, on transaction: PostgresConnection, context: CommandContext) async throws -> Int64 {
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
    }

    private static func post(
        _ kind: Kind, warehouse: Int64, reference: String?, note: String?, lines: [StockLine],
        on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        var toWarehouse: Int64?
        var reason: String?
        switch kind {
        case .issue: break
        case .transfer(let to): toWarehouse = to
        case .adjustment(let why): reason = why
        }
        let source = toWarehouse == nil ? "warehouseId" : "fromWarehouseId"
        try await requireWarehouses(
            [(source, warehouse)] + (toWarehouse.map { [("toWarehouseId", $0)] } ?? []), on: transaction, context: context
        )
        let batches = try await Batches.resolve(lines.map { ($0.productId, $0.batchNumber) }, on: transaction, context: context)
        var refused = Validation()
        var changes: [StockChange] = []
        for (index, (line, batch)) in zip(lines, batches).enumerated() {
            let field = "lines[\(index)]"
            let label = "product \(line.productId) batch \(line.batchNumber)"
            if batch.expired && !(reason != nil && line.quantity < 0) {
                refused.fail(
                    "\(field).batchNumber",
                    "batch \(line.batchNumber) expired on \(batch.expiresOn); expired stock leaves only through an adjustment down or a purchase return"
                )
            }
            switch kind {
            case .issue:
                changes.append(StockChange(productID: line.productId, warehouseID: warehouse, batchID: batch.id, quantity: -line.quantity, field: field, batchLabel: label))
            case .transfer(let to):
                changes.append(StockChange(productID: line.productId, warehouseID: warehouse, batchID: batch.id, quantity: -line.quantity, field: field, batchLabel: label))
                changes.append(StockChange(productID: line.productId, warehouseID: to, batchID: batch.id, quantity: line.quantity, field: field, batchLabel: label))
            case .adjustment:
                changes.append(StockChange(productID: line.productId, warehouseID: warehouse, batchID: batch.id, quantity: line.quantity, field: field, batchLabel: label))
            }
        }
        do { try refused.check() } catch { throw CommandError(error) }
        try await StockLedger.apply(changes, on: transaction, context: context)

        guard let id = try await transaction.value(
            """
            INSERT INTO stock_documents (kind, warehouse_id, to_warehouse_id, reason, reference, note)
            VALUES (\(kind.name), \(warehouse), \(toWarehouse), \(reason), \(Text.blankIsNil(reference)), \(Text.blankIsNil(note)))
            RETURNING id
            """,
            as: Int64.self, logger: context.logger
        ) else { throw CommandError(.notFound, "the insert returned no row") }
        try await transaction.execute(
            """
            INSERT INTO stock_document_lines (document_id, line_number, product_id, batch_id, quantity)
            SELECT \(id), n, p, b, q
              FROM unnest(\(lines.map(\.productId))::bigint[], \(batches.map(\.id))::bigint[], \(lines.map(\.quantity))::bigint[])
                   WITH ORDINALITY AS l(p, b, q, n)
            """,
            logger: context.logger
        )
        return id
    }

    /// Refuses a warehouse id that does not exist, naming the field.
    static func requireWarehouses(_ ids: [(field: String, id: Int64)], on transaction: PostgresConnection, context: CommandContext) async throws {
        let found = try await transaction.rows(
            "SELECT id, active FROM warehouses WHERE id = ANY(\(ids.map(\.id)))", as: (Int64, Bool).self, logger: context.logger
        )
        let known = Set(found.map(\.0))
        let missing = ids.filter { !known.contains($0.id) }.map { FieldError($0.field, "there is no warehouse \($0.id)") }
        if !missing.isEmpty { throw CommandError(InvalidFields(errors: missing)) }
    }
}
