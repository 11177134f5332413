// Raises notifications: a product × warehouse falling below its reorder level, a
// received batch that expires within 90 days, and what the expiry scan found; and
// records their acknowledgements.
public import ERPEvents
import ERPKernel
import ERPStore
import Foundation
import Inventory
public import Logging
import MasterData
public import PostgresNIO

/// Keeps `notifications` (and its own totals in `notification_stock` and
/// `notification_products`) from the stock-moving and product events, the expiry scan's
/// findings and the acknowledgements.
///
/// A reorder notification is raised when on hand goes from at-or-above the reorder
/// level to below it: once per crossing, however many movements follow while it stays
/// below. Each notification has a unique subject, so applying an event twice (a replay)
/// raises nothing new.
public struct NotificationsProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "notifications"
    /// The events that move stock and the product events.
    public let eventTypes: Set<EventType>?
    /// The events that bring new batches in, whose expiry is checked at receipt.
    let receivingStock: Set<EventType>

    /// A received batch expiring within this many days of its receipt raises a notification.
    public static let expiryWarningDays = 90

    /// Every row comes from an event, acknowledgements included, so a rebuild replaces
    /// all three tables.
    public let tables: [ReadModelTable] = [
        .replaced("notification_products"), .replaced("notification_stock"), .replaced("notifications"),
    ]

    /// Creates the projector of `movingStock`, the event types whose payloads carry
    /// `movements`, of which `receivingStock` bring new batches in.
    public init(movingStock: Set<EventType>, receivingStock: Set<EventType>) {
        eventTypes = movingStock.union(MasterDataEvents.product).union([
            InventoryEvents.batchExpiryDetected, NotificationsEvents.acknowledged,
        ])
        self.receivingStock = receivingStock
    }

    private struct Place: Hashable {
        var product: Int64
        var warehouse: Int64
    }

    private struct Stock {
        var onHand: Int64 = 0
        var below = false
        var crossings = 0
    }

    private struct Raised {
        var kind: String
        var subject: String
        var product: Int64
        var warehouse: Int64
        var batch: Int64?
        var message: String
        var details: String
        var position: Int64
        var raisedAt: Date
    }

    /// Applies a batch of events, in log order, to the read model.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        var productEvents: [Int: ProductSummary] = [:]
        var documents: [Int: StockMovingDocument] = [:]
        var findings: [Int: BatchExpiryFinding] = [:]
        var acknowledgements: [NotificationAcknowledgement] = []
        for (index, event) in events.enumerated() {
            if MasterDataEvents.product.contains(event.type) {
                productEvents[index] = try event.decodePayload(as: ProductSummary.self)
            } else if event.type == InventoryEvents.batchExpiryDetected {
                findings[index] = try event.decodePayload(as: BatchExpiryFinding.self)
            } else if event.type == NotificationsEvents.acknowledged {
                acknowledgements.append(try event.decodePayload(as: NotificationAcknowledgement.self))
            } else {
                documents[index] = try event.decodePayload(as: StockMovingDocument.self)
            }
        }
        let productIDs = Set(productEvents.values.map(\.id)).union(
            documents.values.flatMap { $0.movements.map(\.productId) })
        var products = try await loadProducts(productIDs, on: transaction, logger: logger)
        let warehouseIDs = Set(documents.values.flatMap { $0.movements.map(\.warehouseId) })
        // Codes never change (a warehouse cannot be re-coded), so a replay names them alike.
        let warehouses = Dictionary(
            try await transaction.rows(
                "SELECT id, code FROM warehouses WHERE id = ANY(\(Array(warehouseIDs)))", as: (Int64, String).self,
                logger: logger
            ),
            uniquingKeysWith: { first, _ in first }
        )
        func warehouse(_ id: Int64) -> String { warehouses[id].map { "\($0) (warehouse \(id))" } ?? "warehouse \(id)" }
        var stock = try await loadStock(of: productIDs, on: transaction, logger: logger)
        var raised: [Raised] = []

        for (index, event) in events.enumerated() {
            var touched: Set<Place> = []
            if let product = productEvents[index] {
                products[product.id] = product
                touched = Set(stock.keys.filter { $0.product == product.id })
            } else if let finding = findings[index] {
                raised.append(try Self.raised(by: finding, at: event))
            } else if let document = documents[index] {
                for movement in document.movements {
                    let place = Place(product: movement.productId, warehouse: movement.warehouseId)
                    stock[place, default: Stock()].onHand += movement.quantity
                    touched.insert(place)
                    if receivingStock.contains(event.type),
                        let days = Self.days(from: event.recordedAt, to: movement.expiresOn),
                        days <= Self.expiryWarningDays
                    {
                        raised.append(
                            Raised(
                                kind: "batch_expiring",
                                subject: "batch_expiring:\(movement.batchId):\(movement.warehouseId)",
                                product: movement.productId, warehouse: movement.warehouseId, batch: movement.batchId,
                                message:
                                    "batch \(movement.batchNumber) of \(Self.label(products[movement.productId], movement.productId)) received into \(warehouse(movement.warehouseId)) expires on \(movement.expiresOn), \(Self.within(days))",
                                details: try Self.json(
                                    ReceivedBatchDetails(
                                        batchNumber: movement.batchNumber, expiresOn: movement.expiresOn,
                                        quantity: movement.quantity,
                                        goodsReceiptId: document.id
                                    )),
                                position: event.position, raisedAt: event.recordedAt
                            ))
                    }
                }
            }
            for place in touched {
                var level = stock[place, default: Stock()]
                let reorderLevel = products[place.product]?.reorderLevel ?? 0
                let below = level.onHand < reorderLevel
                if below && !level.below {
                    level.crossings += 1
                    raised.append(
                        Raised(
                            kind: "below_reorder",
                            subject: "below_reorder:\(place.product):\(place.warehouse):\(level.crossings)",
                            product: place.product, warehouse: place.warehouse, batch: nil,
                            message:
                                "\(Self.label(products[place.product], place.product)) in \(warehouse(place.warehouse)) is below its reorder level: \(level.onHand) on hand, reorder at \(reorderLevel)",
                            details: try Self.json(
                                BelowReorderDetails(onHand: level.onHand, reorderLevel: reorderLevel)),
                            position: event.position, raisedAt: event.recordedAt
                        ))
                }
                level.below = below
                stock[place] = level
            }
        }
        try await save(Array(products.values), stock, raised, on: transaction, logger: logger)
        try await record(acknowledgements, on: transaction, logger: logger)
    }

    /// What a below-reorder notification's `details` hold.
    private struct BelowReorderDetails: Encodable {
        var onHand: Int64
        var reorderLevel: Int64
    }

    /// What the `details` of an expiry notification raised at receipt hold.
    private struct ReceivedBatchDetails: Encodable {
        var batchNumber: String
        var expiresOn: CalendarDate
        var quantity: Int64
        var goodsReceiptId: Int64
    }

    /// What the `details` of a notification the expiry scan raised hold.
    private struct FoundBatchDetails: Encodable {
        var batchNumber: String
        var expiresOn: CalendarDate
        var quantity: Int64
        var daysLeft: Int
        var scan = true
    }

    private static func json(_ details: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }

    /// The notification a finding of the expiry scan raises.
    private static func raised(by finding: BatchExpiryFinding, at event: RecordedEvent) throws -> Raised {
        let expired = finding.finding == .expired
        let kind = expired ? "batch_expired" : "batch_expiring"
        let batch = "batch \(finding.batchNumber) of \(finding.productName) (\(finding.sku))"
        let message =
            expired
            ? "\(batch) expired on \(finding.expiresOn); \(finding.quantity) still on hand in \(finding.warehouseCode)"
            : "\(batch) expires on \(finding.expiresOn), \(within(finding.daysLeft)); \(finding.quantity) on hand in \(finding.warehouseCode)"
        return Raised(
            kind: kind, subject: "\(kind):\(finding.batchId):\(finding.warehouseId)",
            product: finding.productId, warehouse: finding.warehouseId, batch: finding.batchId, message: message,
            details: try json(
                FoundBatchDetails(
                    batchNumber: finding.batchNumber, expiresOn: finding.expiresOn, quantity: finding.quantity,
                    daysLeft: finding.daysLeft
                )),
            position: event.position, raisedAt: event.recordedAt
        )
    }

    /// Marks acknowledged the notifications `acknowledgements` name (each is later in the
    /// log than the notification it acknowledges, so it is in the table by now).
    private func record(
        _ acknowledgements: [NotificationAcknowledgement], on transaction: PostgresConnection, logger: Logger
    ) async throws {
        guard !acknowledgements.isEmpty else { return }
        try await transaction.query(
            """
            UPDATE notifications n
               SET status = \(NotificationStatus.acknowledged), acknowledged_at = a.acknowledged_at,
                   acknowledged_by = a.acknowledged_by
              FROM unnest(\(acknowledgements.map(\.subject))::text[], \(acknowledgements.map(\.acknowledgedBy))::text[],
                          \(acknowledgements.map(\.acknowledgedAt))::timestamptz[]) AS a(subject, acknowledged_by, acknowledged_at)
             WHERE n.subject = a.subject AND n.status = \(NotificationStatus.open)
            """,
            logger: logger
        )
    }

    /// `today`, `in 1 day`, `in 30 days`.
    static func within(_ days: Int) -> String {
        switch days {
        case 0: "today"
        case 1: "in 1 day"
        default: "in \(days) days"
        }
    }

    private static func label(_ product: ProductSummary?, _ id: Int64) -> String {
        product.map { "\($0.name) (\($0.sku))" } ?? "product \(id)"
    }

    /// Whole days from the business date (India) of `instant` to `date`.
    static func days(from instant: Date, to date: CalendarDate) -> Int? {
        var calendar = Calendar(identifier: .gregorian)
        guard let india = TimeZone(identifier: "Asia/Kolkata") else { return nil }
        calendar.timeZone = india
        let start = calendar.startOfDay(for: instant)
        guard let end = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day)) else {
            return nil
        }
        return calendar.dateComponents([.day], from: start, to: end).day
    }

    private func loadProducts(_ ids: Set<Int64>, on transaction: PostgresConnection, logger: Logger) async throws
        -> [Int64: ProductSummary]
    {
        let rows = try await transaction.query(
            "SELECT product_id, sku, name, reorder_level FROM notification_products WHERE product_id = ANY(\(Array(ids)))",
            logger: logger
        )
        var products: [Int64: ProductSummary] = [:]
        for try await (id, sku, name, level) in rows.decode((Int64, String, String, Int64).self) {
            products[id] = ProductSummary(id: id, sku: sku, name: name, reorderLevel: level)
        }
        return products
    }

    private func loadStock(of products: Set<Int64>, on transaction: PostgresConnection, logger: Logger) async throws
        -> [Place: Stock]
    {
        let rows = try await transaction.query(
            """
            SELECT product_id, warehouse_id, on_hand, below_reorder, crossings
              FROM notification_stock
             WHERE product_id = ANY(\(Array(products)))
            """,
            logger: logger
        )
        var stock: [Place: Stock] = [:]
        for try await (product, warehouse, onHand, below, crossings) in rows.decode(
            (Int64, Int64, Int64, Bool, Int).self)
        {
            stock[Place(product: product, warehouse: warehouse)] = Stock(
                onHand: onHand, below: below, crossings: crossings)
        }
        return stock
    }

    private func save(
        _ products: [ProductSummary], _ stock: [Place: Stock], _ raised: [Raised], on transaction: PostgresConnection,
        logger: Logger
    ) async throws {
        try await transaction.query(
            """
            INSERT INTO notification_products AS p (product_id, sku, name, reorder_level)
            SELECT * FROM unnest(\(products.map(\.id))::bigint[], \(products.map(\.sku))::text[], \(products.map(\.name))::text[],
                                 \(products.map(\.reorderLevel))::bigint[])
            ON CONFLICT (product_id) DO UPDATE
               SET sku = EXCLUDED.sku, name = EXCLUDED.name, reorder_level = EXCLUDED.reorder_level
            """,
            logger: logger
        )
        let places = Array(stock.keys)
        let levels = places.map { stock[$0, default: Stock()] }
        try await transaction.query(
            """
            INSERT INTO notification_stock AS s (product_id, warehouse_id, on_hand, below_reorder, crossings)
            SELECT * FROM unnest(\(places.map(\.product))::bigint[], \(places.map(\.warehouse))::bigint[], \(levels.map(\.onHand))::bigint[],
                                 \(levels.map(\.below))::boolean[], \(levels.map(\.crossings))::integer[])
            ON CONFLICT (product_id, warehouse_id) DO UPDATE
               SET on_hand = EXCLUDED.on_hand, below_reorder = EXCLUDED.below_reorder, crossings = EXCLUDED.crossings
            """,
            logger: logger
        )
        guard !raised.isEmpty else { return }
        // In log order, so a rebuild numbers the notifications as the live run did.
        let raised = raised.sorted { ($0.position, $0.subject) < ($1.position, $1.subject) }
        // Arrays cannot carry NULL here: batch 0 is none. Ids are numbered on from the
        // highest in log order, not drawn from the sequence (which a rolled-back batch
        // advances), so a rebuild gives every notification the id it had.
        try await transaction.query(
            """
            INSERT INTO notifications (id, kind, subject, product_id, warehouse_id, batch_id, message, details,
                                       event_position, raised_at)
            OVERRIDING SYSTEM VALUE
            SELECT (SELECT COALESCE(max(id), 0) FROM notifications) + n, k, s, p, w, NULLIF(b, 0), m, d::jsonb, e, r
              FROM unnest(\(raised.map(\.kind))::text[], \(raised.map(\.subject))::text[], \(raised.map(\.product))::bigint[],
                          \(raised.map(\.warehouse))::bigint[], \(raised.map { $0.batch ?? 0 })::bigint[], \(raised.map(\.message))::text[],
                          \(raised.map(\.details))::text[], \(raised.map(\.position))::bigint[], \(raised.map(\.raisedAt))::timestamptz[])
                   WITH ORDINALITY AS u(k, s, p, w, b, m, d, e, r, n)
            ON CONFLICT (subject) DO NOTHING
            """,
            logger: logger
        )
        // Whatever inserts without an id later starts above them.
        try await transaction.query(
            "SELECT setval(pg_get_serial_sequence('notifications', 'id'), max(id)) FROM notifications", logger: logger
        )
    }
}
