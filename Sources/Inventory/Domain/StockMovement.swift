// The `movements` every stock-moving event carries: what the stock projectors add up.
public import ERPKernel
import ERPStore
import MasterData

/// One signed change of on hand, for one product × warehouse × batch.
public struct StockMovement: Sendable, Hashable, Codable {
    /// The product's id.
    public var productId: Int64
    /// The warehouse's id.
    public var warehouseId: Int64
    /// The batch's id.
    public var batchId: Int64
    /// The batch number as printed on the pack.
    public var batchNumber: String
    /// The batch's expiry date.
    public var expiresOn: CalendarDate
    /// Positive into the warehouse, negative out of it.
    public var quantity: Int64
    /// Cost per unit, in paise: a receipt's cost, or the moving average a movement left
    /// or arrived at (rounded). Before stock was valued on the write side only receipts
    /// had it.
    public var unitCost: Int64?
    /// The signed value the movement moved, in paise, at moving-average cost (negative
    /// out); absent on events recorded before stock was valued on the write side.
    public var value: Int64?

    /// Creates a value with the given fields.
    public init(
        productId: Int64, warehouseId: Int64, batchId: Int64, batchNumber: String, expiresOn: CalendarDate,
        quantity: Int64, unitCost: Int64? = nil, value: Int64? = nil
    ) {
        self.productId = productId
        self.warehouseId = warehouseId
        self.batchId = batchId
        self.batchNumber = batchNumber
        self.expiresOn = expiresOn
        self.quantity = quantity
        self.unitCost = unitCost
        self.value = value
    }
}

/// The part of the payload of an event that moves stock (``EventTrait/movesStock``:
/// `goods.received`, `stock.issued`, …) that stock read models use.
public struct StockMovingDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// Signed quantities per product × warehouse × batch.
    public var movements: [StockMovement]
}

/// The part of a `product.created` / `product.updated` payload stock read models keep.
public struct ProductSummary: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// The stock-keeping unit code.
    public var sku: String
    /// The name.
    public var name: String
    /// Below this on hand, reorder.
    public var reorderLevel: Int64

    /// Creates a value with the given fields.
    public init(id: Int64, sku: String, name: String, reorderLevel: Int64) {
        self.id = id
        self.sku = sku
        self.name = name
        self.reorderLevel = reorderLevel
    }
}
