// Purchase orders: create a draft, approve it, cancel it while nothing is received.
import ERPKernel
public import ERPStore
import Inventory
import Logging
import MasterData
public import PostgresNIO

/// The write side of purchase orders.
public enum PurchaseOrderCommands {
    /// Creates a draft order.
    ///
    /// - Returns: The order id.
    /// - Throws: ``CommandError`` `.invalid` for bad fields and unknown or inactive
    ///   vendor, warehouse or products.
    public static func create(_ order: NewPurchaseOrder, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        try await check(order, on: transaction, context: context)
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO purchase_orders (vendor_id, warehouse_id, expected_on, note)
            VALUES (\(order.vendorId), \(order.warehouseId), \(order.expectedOn?.description)::date, \(Text.blankIsNil(order.note)))
            RETURNING id
            """,
            logger: context.logger
        )
        try await insertLines(order.lines, of: id, on: transaction, context: context)
        return id
    }

    /// Changes a draft order if it is still at `version`: the fields present, and every
    /// line when `lines` is. An edit that changes nothing records nothing.
    ///
    /// - Throws: ``CommandError`` `.notFound`, `.versionMismatch`, `.invalidState` once the
    ///   order is approved or cancelled, `.invalid` as for a new order.
    public static func update(
        _ id: Int64, version: Int, _ changes: PurchaseOrderChanges, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        let order = try await PurchaseOrder.lock(id, on: transaction, context: context)
        guard order.status == .draft else {
            throw CommandError(
                .invalidState, "purchase order \(id) is \(order.status.rawValue); only a draft can be changed")
        }
        guard order.version == version else {
            throw CommandError(.versionMismatch, "purchase order \(id) is at version \(order.version), not \(version)")
        }
        let current = try await order.asNew(on: transaction, context: context)
        let changed = changes.applied(to: current)
        try await check(changed, on: transaction, context: context)
        guard changed != current else { return }
        try await transaction.execute(
            """
            UPDATE purchase_orders
               SET vendor_id = \(changed.vendorId), warehouse_id = \(changed.warehouseId),
                   expected_on = \(changed.expectedOn?.description)::date, note = \(Text.blankIsNil(changed.note)),
                   version = version + 1
             WHERE id = \(id)
            """,
            logger: context.logger
        )
        if changed.lines != current.lines {
            try await transaction.execute(
                "DELETE FROM purchase_order_lines WHERE order_id = \(id)", logger: context.logger)
            try await insertLines(changed.lines, of: id, on: transaction, context: context)
        }
    }

    /// Checks an order's fields, and that its vendor, warehouse and products exist and are active.
    private static func check(_ order: NewPurchaseOrder, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        do { try order.validate() } catch { throw CommandError(error) }
        var check = Validation()
        let parties = try await transaction.rows(
            """
            SELECT (SELECT active FROM vendors WHERE id = \(order.vendorId)),
                   (SELECT active FROM warehouses WHERE id = \(order.warehouseId))
            """,
            as: (Bool?, Bool?).self, logger: context.logger
        )
        let (vendorActive, warehouseActive) = parties.first ?? (nil, nil)
        check.require(vendorActive != nil, "vendorId", "there is no vendor \(order.vendorId)")
        check.require(vendorActive != false, "vendorId", "vendor \(order.vendorId) is inactive")
        check.require(warehouseActive != nil, "warehouseId", "there is no warehouse \(order.warehouseId)")
        check.require(warehouseActive != false, "warehouseId", "warehouse \(order.warehouseId) is inactive")
        let products = try await transaction.rows(
            """
            SELECT u.n, p.active
              FROM unnest(\(order.lines.map(\.productId))::bigint[]) WITH ORDINALITY AS u(id, n)
              LEFT JOIN products p ON p.id = u.id
             ORDER BY u.n
            """,
            as: (Int64, Bool?).self, logger: context.logger
        )
        for ((_, active), (index, line)) in zip(products, order.lines.enumerated()) {
            check.require(active != nil, "lines[\(index)].productId", "there is no product \(line.productId)")
            check.require(active != false, "lines[\(index)].productId", "product \(line.productId) is inactive")
        }
        do { try check.check() } catch { throw CommandError(error) }
    }

    private static func insertLines(
        _ lines: [NewPurchaseOrder.Line], of id: Int64, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        try await transaction.execute(
            """
            INSERT INTO purchase_order_lines (order_id, line_number, product_id, quantity, unit_cost_paise)
            SELECT \(id), n, p, q, c
              FROM unnest(\(lines.map(\.productId))::bigint[], \(lines.map(\.quantity))::bigint[],
                          \(lines.map(\.unitCost))::bigint[]) WITH ORDINALITY AS l(p, q, c, n)
            """,
            logger: context.logger
        )
    }

    /// Approves a draft order, so goods can be received against it.
    ///
    /// - Throws: ``CommandError`` `.notFound`, or `.invalidState` unless it is a draft.
    public static func approve(_ id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws {
        let order = try await PurchaseOrder.lock(id, on: transaction, context: context)
        guard order.status == .draft else {
            throw CommandError(
                .invalidState, "purchase order \(id) is \(order.status.rawValue); only a draft can be approved")
        }
        try await transaction.execute(
            "UPDATE purchase_orders SET status = 'approved', approved_at = now() WHERE id = \(id)",
            logger: context.logger
        )
    }

    /// Cancels an order nothing has been received against.
    ///
    /// - Throws: ``CommandError`` `.notFound`, or `.invalidState` once goods were received
    ///   (return them instead) or when already cancelled.
    public static func cancel(_ id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws {
        let order = try await PurchaseOrder.lock(id, on: transaction, context: context)
        guard order.status == .draft || order.status == .approved else {
            throw CommandError(
                .invalidState, "purchase order \(id) is \(order.status.rawValue) and cannot be cancelled")
        }
        let received = try await transaction.value(
            "SELECT EXISTS (SELECT FROM goods_receipts WHERE order_id = \(id))", as: Bool.self, logger: context.logger)
        guard received != true else {
            throw CommandError(
                .invalidState, "goods were received against purchase order \(id); return them instead of cancelling")
        }
        try await transaction.execute(
            "UPDATE purchase_orders SET status = 'cancelled', cancelled_at = now() WHERE id = \(id)",
            logger: context.logger
        )
    }
}

/// A purchase order as the purchasing commands see it, locked for the transaction.
struct PurchaseOrder: Sendable {
    struct Line: Sendable {
        var number: Int
        var productID: Int64
        var quantity: Int64
        var unitCost: Int64
        var received: Int64
        var billed: Int64
    }

    var id: Int64
    var vendorID: Int64
    var warehouseID: Int64
    var status: PurchaseOrderStatus
    var version: Int

    /// Locks the order row (FOR UPDATE): receipts, bills and returns of one order run one at a time.
    ///
    /// - Parameter field: The request field that named the order; `nil` when the path did.
    /// - Throws: ``CommandError`` `.invalid` naming `field`, or `.notFound` without one.
    static func lock(_ id: Int64, field: String? = nil, on transaction: PostgresConnection, context: CommandContext)
        async throws -> PurchaseOrder
    {
        let rows = try await transaction.preparedRows(
            "SELECT vendor_id, warehouse_id, status, version FROM purchase_orders WHERE id = \(id) FOR UPDATE",
            as: (Int64, Int64, PurchaseOrderStatus, Int).self, logger: context.logger
        )
        guard let (vendor, warehouse, status, version) = rows.first else {
            guard let field else { throw CommandError(.notFound, "there is no purchase order \(id)") }
            throw CommandError(
                .invalid, "there is no purchase order \(id)",
                fieldErrors: [FieldError(field, "there is no purchase order \(id)")])
        }
        return PurchaseOrder(id: id, vendorID: vendor, warehouseID: warehouse, status: status, version: version)
    }

    /// The order as the body that would create it, lines in order.
    func asNew(on transaction: PostgresConnection, context: CommandContext) async throws -> NewPurchaseOrder {
        let header = try await transaction.rows(
            "SELECT expected_on::text, note FROM purchase_orders WHERE id = \(id)", as: (String?, String?).self,
            logger: context.logger
        ).first
        let lines = try await lines(on: transaction, context: context).sorted { $0.key < $1.key }.map {
            NewPurchaseOrder.Line(
                productId: $0.value.productID, quantity: $0.value.quantity, unitCost: $0.value.unitCost)
        }
        return NewPurchaseOrder(
            vendorId: vendorID, warehouseId: warehouseID, expectedOn: try header?.0.map { try CalendarDate($0) },
            note: header?.1,
            lines: lines
        )
    }

    /// The order's lines by line number.
    func lines(on transaction: PostgresConnection, context: CommandContext) async throws -> [Int: Line] {
        let rows = try await transaction.preparedRows(
            """
            SELECT line_number, product_id, quantity, unit_cost_paise, received_quantity, billed_quantity
              FROM purchase_order_lines
             WHERE order_id = \(id)
            """,
            as: (Int, Int64, Int64, Int64, Int64, Int64).self, logger: context.logger
        )
        var lines: [Int: Line] = [:]
        for (number, product, quantity, cost, received, billed) in rows {
            lines[number] = Line(
                number: number, productID: product, quantity: quantity, unitCost: cost, received: received,
                billed: billed)
        }
        return lines
    }

    /// Adds to the received and billed figures of lines, then sets the status from them.
    func record(
        received: [Int: Int64], billed: [Int: Int64], on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        let numbers = Array(Set(received.keys).union(billed.keys)).sorted()
        try await transaction.preparedExecute(
            """
            UPDATE purchase_order_lines l
               SET received_quantity = l.received_quantity + u.r, billed_quantity = l.billed_quantity + u.b
              FROM unnest(\(numbers)::integer[], \(numbers.map { received[$0, default: 0] })::bigint[],
                          \(numbers.map { billed[$0, default: 0] })::bigint[]) AS u(n, r, b)
             WHERE l.order_id = \(id) AND l.line_number = u.n
            """,
            logger: context.logger
        )
        try await transaction.preparedExecute(
            """
            UPDATE purchase_orders o
               SET status = CASE WHEN t.received = 0 THEN 'approved'
                                 WHEN t.received = t.ordered THEN 'received'
                                 ELSE 'partially_received' END
              FROM (SELECT sum(quantity) AS ordered, sum(received_quantity) AS received
                      FROM purchase_order_lines WHERE order_id = \(id)) t
             WHERE o.id = \(id)
            """,
            logger: context.logger
        )
    }

    /// The business date (India), as the database sees it.
    static func today(on transaction: PostgresConnection, context: CommandContext) async throws -> CalendarDate {
        guard
            let text = try await transaction.preparedValue(
                "SELECT business_date()::text", as: String.self, logger: context.logger)
        else {
            throw CommandError(.notFound, "the database returned no date")
        }
        return try CalendarDate(text)
    }
}
