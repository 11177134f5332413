// Stock documents as the API shows them and their events carry them
// (triggers/inventory.sql builds the JSON; this type reads it).
public import ERPKernel
public import Foundation

/// A stock issue, transfer or adjustment as the API and the `stock.*` events show it.
public struct StockDocument: Sendable, Codable, Hashable {
    /// One line as posted.
    public struct Line: Sendable, Codable, Hashable {
        /// Its number, from 1.
        public var lineNumber: Int
        /// The product.
        public var productId: Int64
        /// The batch.
        public var batchId: Int64
        /// As printed on the pack.
        public var batchNumber: String
        /// The batch's expiry date.
        public var expiresOn: CalendarDate
        /// Units: positive for issues and transfers; signed for adjustments.
        public var quantity: Int64
    }

    /// Its id.
    public var id: Int64
    /// `issue`, `transfer` or `adjustment`.
    public var kind: String
    /// Where the stock leaves (or is counted).
    public var warehouseId: Int64
    /// Where a transfer's stock arrives.
    public var toWarehouseId: Int64?
    /// An adjustment's or issue's reason.
    public var reason: String?
    /// The document's reference, e.g. a slip number.
    public var reference: String?
    /// Free text.
    public var note: String?
    /// The business date it was posted on.
    public var postedOn: CalendarDate
    /// When it was posted.
    public var postedAt: Date
    /// The lines, in order.
    public var lines: [Line]
    /// What it did to on hand, per product × warehouse × batch.
    public var movements: [StockMovement]
}
