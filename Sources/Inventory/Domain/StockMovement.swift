// The `movements` every stock-moving event carries: what the stock projectors add up.
public import ERPKernel
import ERPStore
import MasterData

/// One signed change of on hand, for one product × warehouse × batch.
public struct StockMovement: Sendable, Hashable, Codable {
    public var productId: Int64
    public var warehouseId: Int64
    public var batchId: Int64
    public var batchNumber: String
    public var expiresOn: CalendarDate
    /// Positive into the warehouse, negative out of it.
    public var quantity: Int64
    /// Cost per unit, in paise, for stock bought in (receipts); absent otherwise.
    public var unitCost: Int64?

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
    public var id: Int64
    public var movements: [StockMovement]
}

/// The part of a `product.created` / `product.updated` payload stock read models keep.
public struct ProductSummary: Sendable, Codable {
    public var id: Int64
    public var sku: String
    public var name: String
    public var reorderLevel: Int64

    public init(id: Int64, sku: String, name: String, reorderLevel: Int64) {
        self.id = id
        self.sku = sku
        self.name = name
        self.reorderLevel = reorderLevel
    }
}
