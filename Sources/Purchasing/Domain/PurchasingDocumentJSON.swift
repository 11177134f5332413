// Purchasing documents as the API shows them and their events carry them
// (triggers/purchasing.sql builds the JSON; these types read it).
public import ERPKernel
public import Foundation
public import Inventory

/// A purchase order as the API and the `purchase_order.*` events show it.
public struct PurchaseOrderDocument: Sendable, Codable, Hashable {
    /// One line.
    public struct Line: Sendable, Codable, Hashable {
        /// Its number, from 1.
        public var lineNumber: Int
        /// The product.
        public var productId: Int64
        /// Units ordered.
        public var quantity: Int64
        /// Cost per unit, in paise.
        public var unitCost: Int64
        /// Units received so far.
        public var receivedQuantity: Int64
        /// Units billed so far.
        public var billedQuantity: Int64
    }

    /// Its id.
    public var id: Int64
    /// Who it is ordered from.
    public var vendorId: Int64
    /// Where the goods go.
    public var warehouseId: Int64
    /// Where it stands: a ``PurchaseOrderStatus`` raw value.
    public var status: String
    /// The business date it was written.
    public var orderedOn: CalendarDate
    /// When the goods are expected, if known.
    public var expectedOn: CalendarDate?
    /// Free text.
    public var note: String?
    /// Raised by every edit of a draft.
    public var version: Int
    /// When it was approved.
    public var approvedAt: Date?
    /// When it was cancelled.
    public var cancelledAt: Date?
    /// Σ quantity × unit cost, in paise.
    public var total: Int64
    /// The lines, in order.
    public var lines: [Line]
}

/// A goods receipt as the API and the `goods.received` event show it.
public struct GoodsReceiptDocument: Sendable, Codable, Hashable {
    /// One line: a batch received.
    public struct Line: Sendable, Codable, Hashable {
        /// Its number, from 1.
        public var lineNumber: Int
        /// The order line it receives against.
        public var orderLineNumber: Int
        /// The product.
        public var productId: Int64
        /// The batch.
        public var batchId: Int64
        /// As printed on the pack.
        public var batchNumber: String
        /// When it was made, if printed.
        public var manufacturedOn: CalendarDate?
        /// When it expires.
        public var expiresOn: CalendarDate
        /// Its MRP per pack, in paise.
        public var mrp: Int64
        /// Units received.
        public var quantity: Int64
        /// Cost per unit, in paise (the order's).
        public var unitCost: Int64
    }

    /// Its id.
    public var id: Int64
    /// The order.
    public var purchaseOrderId: Int64
    /// The vendor.
    public var vendorId: Int64
    /// Where the goods came in.
    public var warehouseId: Int64
    /// The vendor's delivery note number.
    public var vendorReference: String?
    /// The business date of receipt.
    public var receivedOn: CalendarDate
    /// When it was posted.
    public var postedAt: Date
    /// The lines, in order.
    public var lines: [Line]
    /// Stock in, per product × warehouse × batch.
    public var movements: [StockMovement]
}

/// A vendor bill as the API and the `vendor_bill.posted` event show it. Amounts in paise.
public struct VendorBillDocument: Sendable, Codable, Hashable {
    /// One line.
    public struct Line: Sendable, Codable, Hashable {
        /// Its number, from 1.
        public var lineNumber: Int
        /// The order line it bills.
        public var orderLineNumber: Int
        /// The product.
        public var productId: Int64
        /// Units billed.
        public var quantity: Int64
        /// Price per unit billed.
        public var unitPrice: Int64
        /// Cost per unit the order said.
        public var orderedUnitCost: Int64
        /// (unit price − ordered cost) × quantity.
        public var priceVariance: Int64
        /// The GST rate in hundredths of a percent (500 is 5 %).
        public var gstRate: Int
        /// The taxable value.
        public var taxable: Int64
        /// Central GST.
        public var cgst: Int64
        /// State GST.
        public var sgst: Int64
        /// Integrated GST.
        public var igst: Int64
    }

    /// Its id.
    public var id: Int64
    /// The vendor.
    public var vendorId: Int64
    /// The order.
    public var purchaseOrderId: Int64
    /// The vendor's bill number.
    public var billNumber: String
    /// The date on the bill.
    public var billDate: CalendarDate
    /// `intra_state` or `inter_state`.
    public var supply: String
    /// The taxable value.
    public var taxable: Int64
    /// Central GST.
    public var cgst: Int64
    /// State GST.
    public var sgst: Int64
    /// Integrated GST.
    public var igst: Int64
    /// Taxable value plus taxes.
    public var total: Int64
    /// Σ of the lines' price variances.
    public var priceVariance: Int64
    /// When it was posted.
    public var postedAt: Date
    /// The lines, in order.
    public var lines: [Line]
}

/// A purchase return as the API and the `purchase.returned` event show it.
public struct PurchaseReturnDocument: Sendable, Codable, Hashable {
    /// One line: units of a received batch going back.
    public struct Line: Sendable, Codable, Hashable {
        /// Its number, from 1.
        public var lineNumber: Int
        /// The receipt line the goods came in on.
        public var receiptLineNumber: Int
        /// The order line.
        public var orderLineNumber: Int
        /// The product.
        public var productId: Int64
        /// The batch.
        public var batchId: Int64
        /// As printed on the pack.
        public var batchNumber: String
        /// Units returned.
        public var quantity: Int64
        /// Of those, units already billed.
        public var billedQuantity: Int64
        /// Cost per unit they came in at, in paise.
        public var unitCost: Int64
        /// What the bills charged for the billed units returned, before tax, in paise: their
        /// share of the order line's billed value. Events recorded before migration 0039
        /// lack it and the three taxes (they reversed no tax).
        public var billedTaxable: Int64?
        /// The CGST on the billed units returned: input tax credit reversed.
        public var cgst: Int64?
        /// The SGST on them.
        public var sgst: Int64?
        /// The IGST on them.
        public var igst: Int64?
    }

    /// Its id.
    public var id: Int64
    /// The receipt the goods came in on.
    public var goodsReceiptId: Int64
    /// The order.
    public var purchaseOrderId: Int64
    /// The vendor.
    public var vendorId: Int64
    /// Where the goods leave from.
    public var warehouseId: Int64
    /// Why they go back.
    public var reason: String
    /// The business date of the return.
    public var returnedOn: CalendarDate
    /// When it was posted.
    public var postedAt: Date
    /// The lines, in order.
    public var lines: [Line]
    /// Stock out, per product × warehouse × batch.
    public var movements: [StockMovement]
}
