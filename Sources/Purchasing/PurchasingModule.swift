// Purchasing: purchase orders, goods receipts, vendor bills, purchase returns, and the
// nightly reorder suggestions.
public import ERPEvents
public import ERPHTTP
public import ERPJobs
public import ERPKernel
public import ERPPlatform
public import ERPStore
public import Foundation
import Inventory
import MasterData
public import PostgresNIO

/// The event types purchasing's triggers record (triggers/purchasing.sql); each payload
/// is the whole document as the API shows it.
public enum PurchasingEvents {
    /// A draft purchase order was edited.
    public static let purchaseOrderUpdated = EventType("purchase_order.updated")
    /// A purchase order was approved.
    public static let purchaseOrderApproved = EventType("purchase_order.approved")
    /// A purchase order was cancelled.
    public static let purchaseOrderCancelled = EventType("purchase_order.cancelled")
    /// Goods were received against an order: stock comes in.
    public static let goodsReceived = EventType("goods.received")
    /// A vendor's bill was posted against an order.
    public static let vendorBillPosted = EventType("vendor_bill.posted")
    /// Received goods went back to the vendor: stock goes out.
    public static let purchaseReturned = EventType("purchase.returned")
}

extension Permission {
    /// Reading purchase orders, receipts, bills and returns.
    public static let purchasingRead = Permission("purchasing.read")
    /// Writing and editing purchase orders.
    public static let purchasingOrder = Permission("purchasing.order")
    /// Approving and cancelling purchase orders.
    public static let purchasingApprove = Permission("purchasing.approve")
    /// Receiving goods.
    public static let purchasingReceive = Permission("purchasing.receive")
    /// Posting vendor bills.
    public static let purchasingBill = Permission("purchasing.bill")
    /// Returning goods to vendors.
    public static let purchasingReturn = Permission("purchasing.return")
}

extension SQLDocumentSource {
    /// Purchase orders; lists filter on `status`.
    public static let purchaseOrder = SQLDocumentSource(
        noun: "purchase order", table: "purchase_orders", function: "purchase_order_document", filterColumn: "status"
    )
    /// Goods receipts.
    public static let goodsReceipt = SQLDocumentSource(
        noun: "goods receipt", table: "goods_receipts", function: "goods_receipt_document"
    )
    /// Vendor bills.
    public static let vendorBill = SQLDocumentSource(
        noun: "vendor bill", table: "vendor_bills", function: "vendor_bill_document"
    )
    /// Purchase returns.
    public static let purchaseReturn = SQLDocumentSource(
        noun: "purchase return", table: "purchase_returns", function: "purchase_return_document"
    )
}

/// Purchase orders, goods receipts, vendor bills, purchase returns, reorder suggestions.
public struct PurchasingModule: ERPModule {
    /// `purchasing`.
    public let name = "purchasing"
    /// The zone its schedule is read in.
    public var timeZone: TimeZone

    /// The module.
    public init(timeZone: TimeZone = .india) {
        self.timeZone = timeZone
    }

    /// Order changes, receipts (moving stock in), bills and returns (moving stock out).
    public var events: [EventDeclaration] {
        [
            EventDeclaration(PurchasingEvents.purchaseOrderUpdated, payload: PurchaseOrderDocument.self),
            EventDeclaration(PurchasingEvents.purchaseOrderApproved, payload: PurchaseOrderDocument.self),
            EventDeclaration(PurchasingEvents.purchaseOrderCancelled, payload: PurchaseOrderDocument.self),
            EventDeclaration(
                PurchasingEvents.goodsReceived, traits: [.movesStock, .receivesStock],
                payload: GoodsReceiptDocument.self
            ),
            EventDeclaration(PurchasingEvents.vendorBillPosted, payload: VendorBillDocument.self),
            EventDeclaration(
                PurchasingEvents.purchaseReturned, traits: [.movesStock], payload: PurchaseReturnDocument.self),
        ]
    }

    /// `default`.
    public var queues: [String] { [ReorderSuggestions.queue] }

    /// Reorder suggestions.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] {
        [ReorderSuggestions(client: context.client)]
    }

    /// Reorder suggestions at 02:30 daily, after the expiry scan.
    public func schedules() -> [JobSchedule] {
        [
            JobSchedule(
                name: "reorder-suggestions", cron: .daily(hour: 2, minute: 30), timeZone: timeZone,
                job: NewJob(ReorderSuggestions.self, NoPayload(), maxAttempts: 5)
            )
        ]
    }

    /// `/api/v1/purchase-orders`, `/goods-receipts`, `/vendor-bills`, `/purchase-returns`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        PurchasingRoutes(client: client).register(on: api)
    }

    /// Purchasers order and return, storekeepers receive, accountants approve and post bills.
    public var grants: [Role: [Permission]] {
        [
            .purchaser: [.purchasingRead, .purchasingOrder, .purchasingReturn],
            .storekeeper: [.purchasingRead, .purchasingReceive, .purchasingReturn],
            .accountant: [.purchasingRead, .purchasingApprove, .purchasingBill],
        ]
    }
}
