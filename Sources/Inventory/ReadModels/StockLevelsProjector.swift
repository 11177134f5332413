// On hand per product × warehouse × batch, and per product × warehouse with its value.
public import ERPEvents
import ERPKernel
import ERPStore
import Foundation
public import Logging
import MasterData
public import PostgresNIO

/// Keeps `stock_levels`, `stock_level_batches` and `stock_level_products` from the
/// stock-moving events and the product events.
///
/// Value is what each movement carries (``StockMovement/value``), set by the command
/// at moving-average cost. Events recorded before the write side kept value carry
/// none; those are valued here as the write side would (``StockValue``): a transfer
/// carries the value its units had in the source warehouse into the destination.
public struct StockLevelsProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "stock_levels"
    /// The events that move stock (whichever module records them) and the product events.
    public let eventTypes: Set<EventType>?
    /// Stock events come as their movements and reservations in ``StockMovementRows``'
    /// compact form; product events as JSON.
    public let payloadSQL: String? =
        "CASE WHEN type IN (\(MasterDataEvents.product.sqlList)) THEN payload::text ELSE \(StockMovementRows.sql) END"

    /// The tables it writes, which a rebuild replaces.
    public let tables: [ReadModelTable] = [
        .replaced("stock_level_products"), .replaced("stock_levels"), .replaced("stock_level_batches"),
    ]

    /// Creates the projector of `movingStock`, the event types whose payloads carry
    /// `movements`, and `reservingStock`, those that carry `reservations`.
    public init(movingStock: Set<EventType>, reservingStock: Set<EventType> = []) {
        eventTypes = movingStock.union(reservingStock).union(MasterDataEvents.product)
    }

    private struct BatchPlace: Hashable {
        var product: Int64
        var warehouse: Int64
        var batch: Int64
    }

    /// Applies a batch of events, in log order, to the read model.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        var products: [Int64: ProductSummary] = [:]
        var documents: [[StockMovement]] = []
        var reserved: [StockPlace: Int64] = [:]
        for event in events {
            if MasterDataEvents.product.contains(event.type) {
                let product = try event.decodePayload(as: ProductSummary.self)
                products[product.id] = product
            } else {
                let rows = try StockMovementRows.parse(event.payload, position: event.position)
                documents.append(rows.movements)
                for reservation in rows.reservations { reserved[reservation.place, default: 0] += reservation.quantity }
            }
        }
        try await save(Array(products.values), on: transaction, logger: logger)

        let movements = documents.flatMap { $0 }
        guard !movements.isEmpty || !reserved.isEmpty else { return }
        var levels = try await load(
            Set(movements.map { StockPlace(product: $0.productId, warehouse: $0.warehouseId) }).union(reserved.keys),
            on: transaction, logger: logger)
        var batches: [BatchPlace: (movement: StockMovement, change: Int64)] = [:]
        for document in documents {
            var valuation = StockValuation(levels: levels)
            for movement in document {
                let place = StockPlace(product: movement.productId, warehouse: movement.warehouseId)
                if let value = movement.value {
                    valuation.levels[place, default: StockValue()].add(movement.quantity, worth: Money(paise: value))
                } else {
                    _ = valuation.move(
                        place, batch: movement.batchId, quantity: movement.quantity, unitCost: movement.unitCost)
                }
                let key = BatchPlace(
                    product: movement.productId, warehouse: movement.warehouseId, batch: movement.batchId)
                batches[key] = (movement, (batches[key]?.change ?? 0) + movement.quantity)
            }
            levels = valuation.levels
        }
        for (place, change) in reserved { levels[place, default: StockValue()].reserved += change }
        try await save(levels, on: transaction, logger: logger)
        if !batches.isEmpty { try await save(Array(batches.values), on: transaction, logger: logger) }
    }

    private func save(_ products: [ProductSummary], on transaction: PostgresConnection, logger: Logger) async throws {
        guard !products.isEmpty else { return }
        try await transaction.query(
            """
            INSERT INTO stock_level_products AS p (product_id, sku, name, reorder_level)
            SELECT * FROM unnest(\(products.map(\.id))::bigint[], \(products.map(\.sku))::text[], \(products.map(\.name))::text[],
                                 \(products.map(\.reorderLevel))::bigint[])
            ON CONFLICT (product_id) DO UPDATE
               SET sku = EXCLUDED.sku, name = EXCLUDED.name, reorder_level = EXCLUDED.reorder_level
            """,
            logger: logger
        )
    }

    private func load(_ places: Set<StockPlace>, on transaction: PostgresConnection, logger: Logger) async throws
        -> [StockPlace:
        StockValue]
    {
        let keys = Array(places)
        let rows = try await transaction.query(
            """
            SELECT s.product_id, s.warehouse_id, s.on_hand, s.value_paise, s.reserved
              FROM stock_levels s
              JOIN unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[]) AS k(p, w)
                ON (s.product_id, s.warehouse_id) = (k.p, k.w)
            """,
            logger: logger
        )
        var levels: [StockPlace: StockValue] = [:]
        for try await (product, warehouse, onHand, value, reserved) in rows.decode(
            (Int64, Int64, Int64, Int64, Int64).self)
        {
            levels[StockPlace(product: product, warehouse: warehouse)] = StockValue(
                onHand: onHand, value: Money(paise: value), reserved: reserved)
        }
        return levels
    }

    private func save(_ levels: [StockPlace: StockValue], on transaction: PostgresConnection, logger: Logger)
        async throws
    {
        let keys = Array(levels.keys)
        let values = keys.map { levels[$0, default: StockValue()] }
        try await transaction.query(
            """
            INSERT INTO stock_levels AS s (product_id, warehouse_id, on_hand, value_paise, reserved)
            SELECT * FROM unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[],
                                 \(values.map(\.onHand))::bigint[], \(values.map(\.value.paise))::bigint[],
                                 \(values.map(\.reserved))::bigint[])
            ON CONFLICT (product_id, warehouse_id) DO UPDATE
               SET on_hand = EXCLUDED.on_hand, value_paise = EXCLUDED.value_paise, reserved = EXCLUDED.reserved
            """,
            logger: logger
        )
    }

    private func save(
        _ batches: [(movement: StockMovement, change: Int64)], on transaction: PostgresConnection, logger: Logger
    ) async throws {
        let movements = batches.map(\.movement)
        try await transaction.query(
            """
            INSERT INTO stock_level_batches AS b (product_id, warehouse_id, batch_id, batch_number, expires_on, on_hand)
            SELECT p, w, b, n, e::date, q
              FROM unnest(\(movements.map(\.productId))::bigint[], \(movements.map(\.warehouseId))::bigint[],
                          \(movements.map(\.batchId))::bigint[], \(movements.map(\.batchNumber))::text[],
                          \(movements.map(\.expiresOn.description))::text[], \(batches.map(\.change))::bigint[]) AS u(p, w, b, n, e, q)
            ON CONFLICT (product_id, warehouse_id, batch_id) DO UPDATE
               SET on_hand = b.on_hand + EXCLUDED.on_hand
            """,
            logger: logger
        )
    }
}
