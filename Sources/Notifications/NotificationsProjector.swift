// Raises notifications: a product × warehouse falling below its reorder level, a
// received batch that expires within 90 days, what the expiry scan found, an invoice
// the overdue scan found overdue and a customer going over their credit limit; and
// records their acknowledgements.
public import ERPEvents
import ERPKernel
import ERPStore
import Finance
import Foundation
import Inventory
public import Logging
import MasterData
public import PostgresNIO
import Sales

/// Keeps `notifications` (and its own totals in `notification_stock`,
/// `notification_products` and `notification_customers`) from the stock-moving and
/// product events, the expiry and overdue scans' findings, the customer, invoice,
/// credit note and receipt events, and the acknowledgements.
///
/// A reorder notification is raised when on hand goes from at-or-above the reorder
/// level to below it: once per crossing, however many movements follow while it stays
/// below. A credit limit notification likewise, when what a customer owes (invoices
/// less credit notes and receipts, the figure the sales order's credit check uses) goes
/// from at-or-below their limit to above it, by an invoice or by the limit being
/// lowered. An overdue invoice is notified once. Each notification has a unique
/// subject, so applying an event twice (a replay) raises nothing new.
public struct NotificationsProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "notifications"
    /// The events that move stock and the product events.
    public let eventTypes: Set<EventType>?
    /// The events whose payloads carry `movements`.
    let movingStock: Set<EventType>
    /// The events that bring new batches in, whose expiry is checked at receipt.
    let receivingStock: Set<EventType>
    /// 2: customers' credit and overdue invoices are notified too.
    public var version: Int { 2 }

    /// A received batch expiring within this many days of its receipt raises a notification.
    public static let expiryWarningDays = 90

    /// Every row comes from an event, acknowledgements included, so a rebuild replaces
    /// all three tables.
    public let tables: [ReadModelTable] = [
        .replaced("notification_products"), .replaced("notification_stock"), .replaced("notification_customers"),
        .replaced("notifications"),
    ]

    /// Creates the projector of `movingStock`, the event types whose payloads carry
    /// `movements`, of which `receivingStock` bring new batches in.
    public init(movingStock: Set<EventType>, receivingStock: Set<EventType>) {
        eventTypes = movingStock.union(MasterDataEvents.product).union(Self.owing).union([
            InventoryEvents.batchExpiryDetected, FinanceEvents.invoiceOverdueDetected, NotificationsEvents.acknowledged,
            SalesEvents.customerCreated, SalesEvents.customerUpdated,
        ])
        self.movingStock = movingStock
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

    /// The events that change what a customer owes: invoices add their total, credit
    /// notes and receipts take theirs off.
    static let owing: Set<EventType> = [
        SalesEvents.invoiceIssued, SalesEvents.creditNoteIssued, FinanceEvents.paymentReceived,
    ]

    /// What the projector reads of a customer event.
    private struct CustomerTerms: Decodable {
        var id: Int64
        var name: String
        var creditLimitPaise: Int64
    }

    /// What the projector reads of an invoice or credit note (`total`) or a receipt
    /// (`amountPaise`): counter sales have no customer.
    private struct Owing: Decodable {
        var customerId: Int64?
        var total: Int64?
        var amountPaise: Int64?
    }

    private struct Credit {
        var name: String
        var limit: Int64
        var owed: Int64 = 0
        var over = false
        var crossings = 0
    }

    private struct Raised {
        var kind: String
        var subject: String
        var product: Int64? = nil
        var warehouse: Int64? = nil
        var batch: Int64? = nil
        var customer: Int64? = nil
        var invoice: Int64? = nil
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
        var overdue: [Int: InvoiceOverdueFinding] = [:]
        var terms: [Int: CustomerTerms] = [:]
        var owing: [Int: (customer: Int64, paise: Int64)] = [:]
        for (index, event) in events.enumerated() {
            if MasterDataEvents.product.contains(event.type) {
                productEvents[index] = try event.decodePayload(as: ProductSummary.self)
            } else if event.type == InventoryEvents.batchExpiryDetected {
                findings[index] = try event.decodePayload(as: BatchExpiryFinding.self)
            } else if event.type == FinanceEvents.invoiceOverdueDetected {
                overdue[index] = try event.decodePayload(as: InvoiceOverdueFinding.self)
            } else if event.type == NotificationsEvents.acknowledged {
                acknowledgements.append(try event.decodePayload(as: NotificationAcknowledgement.self))
            } else if event.type == SalesEvents.customerCreated || event.type == SalesEvents.customerUpdated {
                terms[index] = try event.decodePayload(as: CustomerTerms.self)
            }
            if movingStock.contains(event.type) {
                documents[index] = try event.decodePayload(as: StockMovingDocument.self)
            }
            if Self.owing.contains(event.type) {
                let document = try event.decodePayload(as: Owing.self)
                if let customer = document.customerId {
                    let amount = document.total ?? document.amountPaise ?? 0
                    owing[index] = (customer, event.type == SalesEvents.invoiceIssued ? amount : -amount)
                }
            }
        }
        let customerIDs = Set(terms.values.map(\.id)).union(owing.values.map(\.customer))
        var credits = try await loadCredits(of: customerIDs, on: transaction, logger: logger)
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
            } else if let finding = overdue[index] {
                raised.append(try Self.raised(by: finding, at: event))
            }
            if let terms = terms[index] {
                var credit = credits[terms.id] ?? Credit(name: terms.name, limit: terms.creditLimitPaise)
                credit.name = terms.name
                credit.limit = terms.creditLimitPaise
                credits[terms.id] = credit
            }
            // A customer this projection never saw created (a log older than it) has no
            // limit to cross.
            if let change = owing[index] ?? terms[index].map({ (customer: $0.id, paise: Int64(0)) }),
                var credit = credits[change.customer]
            {
                let customer = change.customer
                credit.owed += change.paise
                let over = credit.owed > credit.limit
                if over && !credit.over {
                    credit.crossings += 1
                    raised.append(
                        Raised(
                            kind: "over_credit_limit", subject: "over_credit_limit:\(customer):\(credit.crossings)",
                            customer: customer,
                            message:
                                "\(credit.name) (customer \(customer)) owes \(Money(paise: credit.owed)), over their credit limit of \(Money(paise: credit.limit))",
                            details: try Self.json(
                                OverCreditLimitDetails(owedPaise: credit.owed, creditLimitPaise: credit.limit)),
                            position: event.position, raisedAt: event.recordedAt))
                }
                credit.over = over
                credits[customer] = credit
            }
            if let document = documents[index] {
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
        try await save(credits, on: transaction, logger: logger)
        try await save(Array(products.values), stock, raised, on: transaction, logger: logger)
        try await record(acknowledgements, on: transaction, logger: logger)
    }

    /// What a credit limit notification's `details` hold.
    private struct OverCreditLimitDetails: Encodable {
        var owedPaise: Int64
        var creditLimitPaise: Int64
    }

    /// What an overdue invoice notification's `details` hold.
    private struct OverdueDetails: Encodable {
        var invoiceNumber: String
        var dueOn: CalendarDate
        var totalPaise: Int64
        var outstandingPaise: Int64
        var daysOverdue: Int
    }

    /// The notification the overdue scan's finding raises.
    private static func raised(by finding: InvoiceOverdueFinding, at event: RecordedEvent) throws -> Raised {
        let days = finding.daysOverdue == 1 ? "1 day" : "\(finding.daysOverdue) days"
        return Raised(
            kind: "invoice_overdue", subject: "invoice_overdue:\(finding.invoiceId)", customer: finding.customerId,
            invoice: finding.invoiceId,
            message:
                "invoice \(finding.invoiceNumber) of \(finding.customerName) (customer \(finding.customerId)) was due on \(finding.dueOn): \(Money(paise: finding.outstandingPaise)) of \(Money(paise: finding.totalPaise)) outstanding, \(days) overdue",
            details: try json(
                OverdueDetails(
                    invoiceNumber: finding.invoiceNumber, dueOn: finding.dueOn, totalPaise: finding.totalPaise,
                    outstandingPaise: finding.outstandingPaise, daysOverdue: finding.daysOverdue)),
            position: event.position, raisedAt: event.recordedAt)
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

    private func loadCredits(of customers: Set<Int64>, on transaction: PostgresConnection, logger: Logger)
        async throws -> [Int64: Credit]
    {
        let rows = try await transaction.rows(
            """
            SELECT customer_id, name, credit_limit_paise, owed_paise, over_limit, crossings
              FROM notification_customers
             WHERE customer_id = ANY(\(Array(customers)))
            """,
            as: (Int64, String, Int64, Int64, Bool, Int).self, logger: logger)
        return Dictionary(
            rows.map { ($0.0, Credit(name: $0.1, limit: $0.2, owed: $0.3, over: $0.4, crossings: $0.5)) },
            uniquingKeysWith: { first, _ in first })
    }

    private func save(_ credits: [Int64: Credit], on transaction: PostgresConnection, logger: Logger) async throws {
        guard !credits.isEmpty else { return }
        let customers = Array(credits.keys)
        let rows = customers.map { credits[$0, default: Credit(name: "", limit: 0)] }
        try await transaction.query(
            """
            INSERT INTO notification_customers AS c (customer_id, name, credit_limit_paise, owed_paise, over_limit, crossings)
            SELECT * FROM unnest(\(customers)::bigint[], \(rows.map(\.name))::text[], \(rows.map(\.limit))::bigint[],
                                 \(rows.map(\.owed))::bigint[], \(rows.map(\.over))::boolean[], \(rows.map(\.crossings))::integer[])
            ON CONFLICT (customer_id) DO UPDATE
               SET name = EXCLUDED.name, credit_limit_paise = EXCLUDED.credit_limit_paise, owed_paise = EXCLUDED.owed_paise,
                   over_limit = EXCLUDED.over_limit, crossings = EXCLUDED.crossings
            """,
            logger: logger)
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
        // Arrays cannot carry NULL here: id 0 is none. Ids are numbered on from the
        // highest in log order, not drawn from the sequence (which a rolled-back batch
        // advances), so a rebuild gives every notification the id it had.
        try await transaction.query(
            """
            INSERT INTO notifications (id, kind, subject, product_id, warehouse_id, batch_id, customer_id, invoice_id,
                                       message, details, event_position, raised_at)
            OVERRIDING SYSTEM VALUE
            SELECT (SELECT COALESCE(max(id), 0) FROM notifications) + n, k, s, NULLIF(p, 0), NULLIF(w, 0), NULLIF(b, 0),
                   NULLIF(c, 0), NULLIF(i, 0), m, d::jsonb, e, r
              FROM unnest(\(raised.map(\.kind))::text[], \(raised.map(\.subject))::text[], \(raised.map { $0.product ?? 0 })::bigint[],
                          \(raised.map { $0.warehouse ?? 0 })::bigint[], \(raised.map { $0.batch ?? 0 })::bigint[],
                          \(raised.map { $0.customer ?? 0 })::bigint[], \(raised.map { $0.invoice ?? 0 })::bigint[],
                          \(raised.map(\.message))::text[], \(raised.map(\.details))::text[], \(raised.map(\.position))::bigint[],
                          \(raised.map(\.raisedAt))::timestamptz[])
                   WITH ORDINALITY AS u(k, s, p, w, b, c, i, m, d, e, r, n)
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
