// Inventory: batches, stock on hand at moving-average cost, stock documents, the stock
// levels read model and the daily expiry scan.
public import ERPEvents
public import ERPHTTP
public import ERPJobs
public import ERPKernel
public import ERPPlatform
public import ERPStore
public import Foundation
import MasterData
public import PostgresNIO

extension EventTrait {
    /// The payload carries `movements` (``StockMovingDocument``): signed quantities per
    /// product × warehouse × batch that the stock read models and invariants add up.
    /// Any module whose documents move stock declares its events with it.
    public static let movesStock = EventTrait(rawValue: "moves_stock")
    /// The movements bring new batches in from outside (a goods receipt): what an
    /// expiry warning at receipt looks at.
    public static let receivesStock = EventTrait(rawValue: "receives_stock")
    /// The payload carries `reservations`: signed quantities per product × warehouse set
    /// aside for sales orders (positive) or given back (negative), which stock levels
    /// show as reserved.
    public static let reservesStock = EventTrait(rawValue: "reserves_stock")
}

/// The event types inventory's triggers record (triggers/inventory.sql); each payload is
/// the whole stock document with its movements.
public enum InventoryEvents {
    /// Stock left a warehouse (an issue).
    public static let stockIssued = EventType("stock.issued")
    /// Stock moved between warehouses.
    public static let stockTransferred = EventType("stock.transferred")
    /// Stock counted up or down.
    public static let stockAdjusted = EventType("stock.adjusted")
    /// The expiry scan found a batch expiring soon or expired with stock on hand
    /// (payload ``BatchExpiryFinding``).
    public static let batchExpiryDetected = EventType("batch.expiry_detected")
}

/// The payload of `batch.expiry_detected`: what the expiry scan found of one batch in one warehouse.
public struct BatchExpiryFinding: Sendable, Codable, Hashable {
    /// Whether the batch expires within the scan's window or already has.
    public enum Finding: String, Sendable, Codable, Hashable {
        /// Expires within the window.
        case expiring
        /// Expired, with stock still on hand.
        case expired
    }

    /// The finding's id.
    public var id: Int64
    /// The batch.
    public var batchId: Int64
    /// Its product.
    public var productId: Int64
    /// Where the stock is.
    public var warehouseId: Int64
    /// Expiring or expired.
    public var finding: Finding
    /// As printed on the pack.
    public var batchNumber: String
    /// The expiry date.
    public var expiresOn: CalendarDate
    /// On hand when found.
    public var quantity: Int64
    /// Days from the business date of the scan to the expiry; negative once expired.
    public var daysLeft: Int
    /// The business date of the scan.
    public var detectedOn: CalendarDate
    /// The scan's window in days.
    public var windowDays: Int
    /// The product's SKU.
    public var sku: String
    /// The product's name.
    public var productName: String
    /// The warehouse's code.
    public var warehouseCode: String
}

extension Permission {
    /// Reading stock levels and stock documents.
    public static let inventoryRead = Permission("inventory.read")
    /// Issuing stock.
    public static let inventoryIssue = Permission("inventory.issue")
    /// Transferring stock between warehouses.
    public static let inventoryTransfer = Permission("inventory.transfer")
    /// Adjusting stock after a count.
    public static let inventoryAdjust = Permission("inventory.adjust")
}

extension SQLDocumentSource {
    /// Stock issues: `stock_documents` of kind `issue`.
    public static let stockIssue = SQLDocumentSource(
        noun: "stock issue", table: "stock_documents", function: "stock_document", condition: "kind = 'issue'"
    )
    /// Stock transfers.
    public static let stockTransfer = SQLDocumentSource(
        noun: "stock transfer", table: "stock_documents", function: "stock_document", condition: "kind = 'transfer'"
    )
    /// Stock adjustments.
    public static let stockAdjustment = SQLDocumentSource(
        noun: "stock adjustment", table: "stock_documents", function: "stock_document", condition: "kind = 'adjustment'"
    )
}

/// Batches, stock on hand, stock documents, stock levels and the expiry scan.
public struct InventoryModule: ERPModule {
    /// `inventory`.
    public let name = "inventory"
    /// The daily expiry scan flags batches expiring within this many days.
    public var expiryWindowDays: Int
    /// The zone its schedule is read in.
    public var timeZone: TimeZone

    /// The module; the defaults suit an Indian business.
    public init(expiryWindowDays: Int = 90, timeZone: TimeZone = .india) {
        self.expiryWindowDays = expiryWindowDays
        self.timeZone = timeZone
    }

    /// The stock documents' events, all moving stock, and the expiry scan's findings.
    public var events: [EventDeclaration] {
        [InventoryEvents.stockIssued, InventoryEvents.stockTransferred, InventoryEvents.stockAdjusted].map {
            EventDeclaration($0, traits: [.movesStock], payload: StockDocument.self)
        } + [EventDeclaration(InventoryEvents.batchExpiryDetected, payload: BatchExpiryFinding.self)]
    }

    /// Stock levels, from every event that moves stock.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] {
        [
            StockLevelsProjector(
                movingStock: catalog.types(with: .movesStock), reservingStock: catalog.types(with: .reservesStock))
        ]
    }

    /// Write model, projection and log agree; nothing is negative.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] {
        Invariant.stock(movingStock: catalog.types(with: .movesStock))
            + [
                .stockReservedWriteModelEqualsEvents(catalog.types(with: .reservesStock)),
                .stockReservedProjectionEqualsWriteModel(catalog.types(with: .reservesStock)),
            ]
    }

    /// `default`.
    public var queues: [String] { [ExpiryScan.queue] }

    /// The expiry scan.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] {
        [ExpiryScan(client: context.client)]
    }

    /// The expiry scan at 02:00 daily.
    public func schedules() -> [JobSchedule] {
        [
            JobSchedule(
                name: "expiry-scan", cron: .daily(hour: 2, minute: 0), timeZone: timeZone,
                job: NewJob(ExpiryScan.self, .init(windowDays: expiryWindowDays), maxAttempts: 5)
            )
        ]
    }

    /// A transfer names a destination other than its source (`stock_documents_check`,
    /// `…_check1`); a batch is made before it expires (`batches_check`).
    public var constraintFields: [String: String] {
        [
            "stock_documents_check": "toWarehouseId", "stock_documents_check1": "toWarehouseId",
            "batches_check": "expiresOn",
        ]
    }

    /// `/api/v1/stock-issues`, `/stock-transfers`, `/stock-adjustments`, `/stock-levels`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        StockRoutes(client: client).register(on: api)
    }

    /// Storekeepers move stock; the books, buying and selling read it.
    public var grants: [Role: [Permission]] {
        [
            .storekeeper: [.inventoryRead, .inventoryIssue, .inventoryTransfer, .inventoryAdjust],
            .accountant: [.inventoryRead], .purchaser: [.inventoryRead], .sales: [.inventoryRead],
        ]
    }
}
