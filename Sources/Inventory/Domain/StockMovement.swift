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
    /// Cost per unit, in paise, for stock bought in (receipts); absent otherwise.
    public var unitCost: Int64?

    /// Creates a value with the given fields.
    public init(
        productId: Int64, warehouseId: Int64, batchId: Int64, batchNumber: String, expiresOn: CalendarDate,
        quantity: Int64, unitCost: Int64? = nil
    ) {
        self.productId = productId
        self.warehouseId = warehouseId
        self.batchId = batchId
        self.batchNumber = batchNumber
        self.expiresOn = expiresOn
        self.quantity = quantity
        self.unitCost = unitCost
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
