// The one place on-hand changes: locks the rows in key order and keeps them at or above zero.
public import ERPKernel
public import ERPStore
import Foundation
import Logging
import MasterData
public import PostgresNIO

/// One signed change of on hand that a command line asks for.
public struct StockChange: Sendable {
    /// The product.
    public var productID: Int64
    /// The warehouse.
    public var warehouseID: Int64
    /// The batch.
    public var batchID: Int64
    /// Signed: negative takes stock out.
    public var quantity: Int64
    /// The request field the change comes from, e.g. `lines[2]`, for the refusal.
    public var field: String
    /// The batch as a person reads it, e.g. `product 12 batch A123`.
    public var batchLabel: String
    /// What each unit coming in cost, in paise, when it was bought (a receipt); `nil`
    /// values it as ``StockValue`` says (a transfer's incoming leg brings the value its
    /// outgoing leg took, a count found values at the average).
    public var unitCost: Int64?
    /// The exact value of the units coming in, in paise, when it is known: goods
    /// returned by a customer come back at the cost they left with. Wins over `unitCost`.
    public var worth: Int64?

    /// A change.
    public init(
        productID: Int64, warehouseID: Int64, batchID: Int64, quantity: Int64, field: String, batchLabel: String,
        unitCost: Int64? = nil, worth: Int64? = nil
    ) {
        self.worth = worth
        self.productID = productID
        self.warehouseID = warehouseID
        self.batchID = batchID
        self.quantity = quantity
        self.field = field
        self.batchLabel = batchLabel
        self.unitCost = unitCost
    }
}

/// Applies stock changes to `stock_on_hand` and their value to `stock_valuation` inside
/// the command's transaction.
public enum StockLedger {
    private struct Key: Hashable, Comparable {
        var product: Int64
        var warehouse: Int64
        var batch: Int64

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.product, lhs.warehouse, lhs.batch) < (rhs.product, rhs.warehouse, rhs.batch)
        }
    }

    /// Applies `changes` or refuses them all.
    ///
    /// Rows are created for stock coming in, then every touched row is locked in
    /// (product, warehouse, batch) order, so concurrent commands queue instead of
    /// deadlocking. Creating rows first means no command waits for a row lock while
    /// holding another.
    ///
    /// Then the value of each change is taken at moving-average cost per product ×
    /// warehouse (``StockValue``), in the order of `changes`, under the lock of its
    /// `stock_valuation` row (locked, in key order, after the on-hand rows).
    ///
    /// Stock reserved for sales orders stays unexpired on hand: a change that takes a
    /// product × warehouse's unexpired stock below what is reserved there is refused,
    /// after `releasing` (a delivery's reservations) is taken off the reserved.
    ///
    /// - Returns: The signed value of each change, in the order of `changes`: what the
    ///   documents' lines and their events' movements carry.
    /// - Throws: ``CommandError`` `.insufficientStock` naming the first line that would
    ///   take a row below zero and the quantity available, or the place whose reserved
    ///   stock it would take.
    @discardableResult
    public static func apply(
        _ changes: [StockChange], releasing: [StockPlace: Int64] = [:], on transaction: PostgresConnection,
        context: CommandContext
    ) async throws -> [Money] {
        var net: [Key: Int64] = [:]
        for change in changes {
            net[Key(product: change.productID, warehouse: change.warehouseID, batch: change.batchID), default: 0] +=
                change.quantity
        }
        let keys = net.keys.sorted()
        let incoming = keys.filter { net[$0, default: 0] > 0 }
        let locked: [(Int64, Int64, Int64, Int64)]
        if incoming.count == keys.count {
            // Only stock coming in (a goods receipt): one upsert creates the missing rows and
            // locks the others, in key order, and returns what each holds.
            locked = try await transaction.preparedRows(
                """
                INSERT INTO stock_on_hand AS s (product_id, warehouse_id, batch_id, quantity)
                SELECT p, w, b, 0
                  FROM unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[], \(keys.map(\.batch))::bigint[]) AS k(p, w, b)
                 ORDER BY p, w, b
                ON CONFLICT (product_id, warehouse_id, batch_id) DO UPDATE SET quantity = s.quantity
                RETURNING s.product_id, s.warehouse_id, s.batch_id, s.quantity
                """,
                as: (Int64, Int64, Int64, Int64).self, logger: context.logger
            )
        } else {
            // Stock going out is only taken from rows that exist: they are locked, never
            // created, so a missing batch reads as none available.
            if !incoming.isEmpty {
                try await transaction.preparedExecute(
                    """
                    INSERT INTO stock_on_hand (product_id, warehouse_id, batch_id, quantity)
                    SELECT p, w, b, 0
                      FROM unnest(\(incoming.map(\.product))::bigint[], \(incoming.map(\.warehouse))::bigint[], \(incoming.map(\.batch))::bigint[]) AS k(p, w, b)
                     ORDER BY p, w, b
                    ON CONFLICT DO NOTHING
                    """,
                    logger: context.logger
                )
            }
            locked = try await transaction.preparedRows(
                """
                SELECT s.product_id, s.warehouse_id, s.batch_id, s.quantity
                  FROM stock_on_hand s
                  JOIN unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[], \(keys.map(\.batch))::bigint[]) AS k(p, w, b)
                    ON (s.product_id, s.warehouse_id, s.batch_id) = (k.p, k.w, k.b)
                 ORDER BY s.product_id, s.warehouse_id, s.batch_id
                   FOR UPDATE OF s
                """,
                as: (Int64, Int64, Int64, Int64).self, logger: context.logger
            )
        }
        var available: [Key: Int64] = [:]
        for (product, warehouse, batch, quantity) in locked {
            available[Key(product: product, warehouse: warehouse, batch: batch)] = quantity
        }
        for change in changes {
            let key = Key(product: change.productID, warehouse: change.warehouseID, batch: change.batchID)
            let onHand = available[key, default: 0]
            guard onHand + net[key, default: 0] < 0, change.quantity < 0 else { continue }
            // Named as a person knows them; looked up only on the way out.
            let names = try await transaction.rows(
                """
                SELECT (SELECT sku FROM products WHERE id = \(change.productID)), (SELECT code FROM warehouses WHERE id = \(change.warehouseID))
                """,
                as: (String?, String?).self, logger: context.logger
            ).first
            let product = names?.0.map { "\($0) (product \(change.productID))" }
            let warehouse =
                names?.1.map { "\($0) (warehouse \(change.warehouseID))" } ?? "warehouse \(change.warehouseID)"
            let label =
                product.map { change.batchLabel.replacingOccurrences(of: "product \(change.productID)", with: $0) }
                ?? change.batchLabel
            throw CommandError(
                .insufficientStock,
                "\(change.field): \(label) in \(warehouse) has \(onHand) available, \(-change.quantity) requested",
                fieldErrors: [FieldError("\(change.field).quantity", "only \(onHand) available")]
            )
        }
        let moved = OnHandChange(
            products: keys.map(\.product), warehouses: keys.map(\.warehouse), batches: keys.map(\.batch),
            quantities: keys.map { net[$0, default: 0] })
        return try await value(changes, moving: moved, releasing: releasing, on: transaction, context: context)
    }

    /// The net change of each locked on-hand row, in key order.
    private struct OnHandChange {
        var products: [Int64]
        var warehouses: [Int64]
        var batches: [Int64]
        var quantities: [Int64]
    }

    /// Writes `moving` to the on-hand rows, values `changes`, writes the new value of each
    /// product × warehouse, and keeps what is reserved there within the unexpired stock left.
    private static func value(
        _ changes: [StockChange], moving: OnHandChange, releasing: [StockPlace: Int64],
        on transaction: PostgresConnection, context: CommandContext
    ) async throws -> [Money] {
        let places = Set(changes.map { StockPlace(product: $0.productID, warehouse: $0.warehouseID) }).sorted()
        guard !places.isEmpty else { return [] }
        // One statement moves the on-hand rows (locked already) and creates or locks each
        // place's value row in place order, returning it: the upsert's no-op update is
        // what takes the lock on a row that exists.
        let locked = try await transaction.preparedRows(
            """
            WITH moved AS (
                UPDATE stock_on_hand s
                   SET quantity = s.quantity + k.q
                  FROM unnest(\(moving.products)::bigint[], \(moving.warehouses)::bigint[], \(moving.batches)::bigint[],
                              \(moving.quantities)::bigint[]) AS k(p, w, b, q)
                 WHERE (s.product_id, s.warehouse_id, s.batch_id) = (k.p, k.w, k.b) AND k.q <> 0
            )
            INSERT INTO stock_valuation AS v (product_id, warehouse_id, on_hand, value_paise)
            SELECT p, w, 0, 0 FROM unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[]) AS k(p, w)
             ORDER BY p, w
            ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = v.on_hand
            RETURNING v.product_id, v.warehouse_id, v.on_hand, v.value_paise, v.reserved
            """,
            as: (Int64, Int64, Int64, Int64, Int64).self, logger: context.logger)
        var ledger = StockValuation()
        var reserved: [StockPlace: Int64] = [:]
        for (product, warehouse, onHand, value, held) in locked {
            let place = StockPlace(product: product, warehouse: warehouse)
            ledger.levels[place] = StockValue(onHand: onHand, value: Money(paise: value))
            reserved[place] = max(0, held - releasing[place, default: 0])
        }
        try await keepReserved(reserved, changes: changes, on: transaction, context: context)
        let values = changes.map {
            ledger.move(
                StockPlace(product: $0.productID, warehouse: $0.warehouseID), batch: $0.batchID, quantity: $0.quantity,
                unitCost: $0.unitCost, worth: $0.worth.map { Money(paise: $0) })
        }
        let keys = Array(ledger.levels.keys)
        let after = keys.map { ledger.levels[$0, default: StockValue()] }
        try await transaction.preparedExecute(
            """
            UPDATE stock_valuation v
               SET on_hand = k.q, value_paise = k.v, reserved = k.r
              FROM unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[],
                          \(after.map(\.onHand))::bigint[], \(after.map(\.value.paise))::bigint[],
                          \(keys.map { reserved[$0, default: 0] })::bigint[]) AS k(p, w, q, v, r)
             WHERE (v.product_id, v.warehouse_id) = (k.p, k.w)
            """,
            logger: context.logger)
        return values
    }

    /// Refuses `changes` if they leave a place with less unexpired stock than `reserved`
    /// there. On hand is read after this transaction's own changes; every other change of
    /// these places waits for the `stock_valuation` locks held here.
    private static func keepReserved(
        _ reserved: [StockPlace: Int64], changes: [StockChange], on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        // Only stock going out can break it, and only where something is reserved: the
        // counter sale of an unreserved product reads nothing more.
        let out = Set(
            changes.filter { $0.quantity < 0 }.map { StockPlace(product: $0.productID, warehouse: $0.warehouseID) })
        let held = out.filter { reserved[$0, default: 0] > 0 }.sorted()
        guard !held.isEmpty else { return }
        let left = try await unexpiredOnHand(held, on: transaction, logger: context.logger)
        for place in held where left[place, default: 0] < reserved[place, default: 0] {
            let field = changes.first { $0.productID == place.product && $0.warehouseID == place.warehouse }?.field
            let free = max(0, left[place, default: 0] + taken(place, changes) - reserved[place, default: 0])
            throw CommandError(
                .insufficientStock,
                "\(field.map { "\($0): " } ?? "")product \(place.product) in warehouse \(place.warehouse) has \(reserved[place, default: 0]) reserved for sales orders; \(free) unexpired is free to take, \(taken(place, changes)) requested",
                fieldErrors: [
                    FieldError("\(field ?? "lines").quantity", "only \(free) available: the rest is reserved")
                ])
        }
    }

    private static func taken(_ place: StockPlace, _ changes: [StockChange]) -> Int64 {
        -changes.filter { $0.productID == place.product && $0.warehouseID == place.warehouse }.reduce(0) {
            $0 + $1.quantity
        }
    }

    /// Unexpired on hand (batches expiring on or after `expiringOnOrAfter`, by default the
    /// business date) of each place, as this transaction sees it.
    static func unexpiredOnHand(
        _ places: [StockPlace], expiringOnOrAfter date: CalendarDate? = nil, on transaction: PostgresConnection,
        logger: Logger
    ) async throws -> [StockPlace: Int64] {
        let rows = try await transaction.preparedRows(
            """
            SELECT s.product_id, s.warehouse_id, sum(s.quantity)::bigint
              FROM stock_on_hand s
              JOIN batches b ON b.id = s.batch_id
              JOIN unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[]) AS k(p, w)
                ON (s.product_id, s.warehouse_id) = (k.p, k.w)
             WHERE b.expires_on >= COALESCE(\(date?.description)::date, business_date())
             GROUP BY 1, 2
            """,
            as: (Int64, Int64, Int64).self, logger: logger)
        var left: [StockPlace: Int64] = [:]
        for (product, warehouse, quantity) in rows {
            left[StockPlace(product: product, warehouse: warehouse)] = quantity
        }
        return left
    }

    /// Reserves (positive) or releases (negative) stock per product × warehouse for a
    /// sales order, under the same `stock_valuation` locks as every movement (taken in key
    /// order).
    ///
    /// A reservation is refused when the place's unexpired on hand is less than what is
    /// reserved there with it, or when fewer than `quantity` units expire on or after
    /// `expiringOnOrAfter` (the customer's minimum shelf life).
    ///
    /// - Throws: ``CommandError`` `.insufficientStock` naming the field, the unexpired on
    ///   hand and what is already reserved.
    public static func reserve(
        _ reservations: [StockReservation], expiringOnOrAfter date: CalendarDate? = nil,
        on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        var delta: [StockPlace: Int64] = [:]
        for reservation in reservations { delta[reservation.place, default: 0] += reservation.quantity }
        let places = delta.keys.sorted()
        guard !places.isEmpty else { return }
        try await transaction.preparedExecute(
            """
            INSERT INTO stock_valuation (product_id, warehouse_id, on_hand, value_paise)
            SELECT p, w, 0, 0 FROM unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[]) AS k(p, w)
             ORDER BY p, w
            ON CONFLICT DO NOTHING
            """,
            logger: context.logger)
        let locked = try await transaction.preparedRows(
            """
            SELECT v.product_id, v.warehouse_id, v.reserved
              FROM stock_valuation v
              JOIN unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[]) AS k(p, w)
                ON (v.product_id, v.warehouse_id) = (k.p, k.w)
             ORDER BY v.product_id, v.warehouse_id
               FOR UPDATE OF v
            """,
            as: (Int64, Int64, Int64).self, logger: context.logger)
        var reserved: [StockPlace: Int64] = [:]
        for (product, warehouse, held) in locked { reserved[StockPlace(product: product, warehouse: warehouse)] = held }
        let growing = places.filter { delta[$0, default: 0] > 0 }
        if !growing.isEmpty {
            let unexpired = try await unexpiredOnHand(growing, on: transaction, logger: context.logger)
            let fresh =
                date == nil
                ? unexpired
                : try await unexpiredOnHand(growing, expiringOnOrAfter: date, on: transaction, logger: context.logger)
            for place in growing {
                let wanted = delta[place, default: 0]
                let field = reservations.first { $0.place == place }?.field ?? "lines"
                let held = reserved[place, default: 0]
                if held + wanted > unexpired[place, default: 0] {
                    throw CommandError(
                        .insufficientStock,
                        "\(field): product \(place.product) in warehouse \(place.warehouse) has \(unexpired[place, default: 0]) unexpired on hand and \(held) already reserved; \(wanted) requested",
                        fieldErrors: [
                            FieldError(
                                "\(field).quantity", "only \(max(0, unexpired[place, default: 0] - held)) available")
                        ])
                }
                if let date, wanted > fresh[place, default: 0] {
                    throw CommandError(
                        .insufficientStock,
                        "\(field): product \(place.product) in warehouse \(place.warehouse) has \(fresh[place, default: 0]) expiring on or after \(date) (the customer's minimum shelf life); \(wanted) requested",
                        fieldErrors: [
                            FieldError("\(field).quantity", "only \(fresh[place, default: 0]) with enough shelf life")
                        ])
                }
            }
        }
        try await transaction.preparedExecute(
            """
            UPDATE stock_valuation v
               SET reserved = greatest(0, v.reserved + k.d)
              FROM unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[],
                          \(places.map { delta[$0, default: 0] })::bigint[]) AS k(p, w, d)
             WHERE (v.product_id, v.warehouse_id) = (k.p, k.w)
            """,
            logger: context.logger)
    }
}

/// Stock set aside for a sales order, or given back (negative).
public struct StockReservation: Sendable, Hashable {
    /// The product × warehouse.
    public var place: StockPlace
    /// Signed: positive reserves, negative releases.
    public var quantity: Int64
    /// The request field it comes from, e.g. `lines[2]`, for the refusal.
    public var field: String

    /// A reservation.
    public init(product: Int64, warehouse: Int64, quantity: Int64, field: String) {
        self.place = StockPlace(product: product, warehouse: warehouse)
        self.quantity = quantity
        self.field = field
    }
}

extension CommandError.Code {
    /// A line would take on hand below zero (409).
    public static let insufficientStock = CommandError.Code(rawValue: "insufficient-stock", kind: .conflict)
}
