// Master data: products (with GST rates by effective date), warehouses and vendors.
public import ERPEvents
public import ERPHTTP
import ERPKernel
public import ERPPlatform
import ERPStore
public import PostgresNIO

/// The event types master data's triggers record (triggers/master_data.sql); each
/// payload is the whole record as the API shows it.
public enum MasterDataEvents {
    /// A product was created.
    public static let productCreated = EventType("product.created")
    /// A product (or its GST rates) changed.
    public static let productUpdated = EventType("product.updated")
    /// A vendor was created.
    public static let vendorCreated = EventType("vendor.created")
    /// A vendor changed.
    public static let vendorUpdated = EventType("vendor.updated")
    /// A warehouse was created.
    public static let warehouseCreated = EventType("warehouse.created")
    /// A warehouse changed.
    public static let warehouseUpdated = EventType("warehouse.updated")

    /// Both product events: what a read model that follows products consumes.
    public static let product: Set<EventType> = [productCreated, productUpdated]
}

extension Permission {
    /// Reading products, warehouses and vendors.
    public static let masterDataRead = Permission("masterdata.read")
    /// Creating and updating them.
    public static let masterDataManage = Permission("masterdata.manage")
}

/// Products, warehouses and vendors: their commands, events and routes.
public struct MasterDataModule: ERPModule {
    /// `masterdata`.
    public let name = "masterdata"

    /// The module.
    public init() {}

    /// Created and updated, for each kind of record; each payload is the whole record.
    public var events: [EventDeclaration] {
        [
            EventDeclaration(MasterDataEvents.productCreated, payload: ProductDocument.self),
            EventDeclaration(MasterDataEvents.productUpdated, payload: ProductDocument.self),
            EventDeclaration(MasterDataEvents.vendorCreated, payload: VendorDocument.self),
            EventDeclaration(MasterDataEvents.vendorUpdated, payload: VendorDocument.self),
            EventDeclaration(MasterDataEvents.warehouseCreated, payload: WarehouseDocument.self),
            EventDeclaration(MasterDataEvents.warehouseUpdated, payload: WarehouseDocument.self),
        ]
    }

    /// A vendor's GSTIN must start with its state code (`vendors_check`).
    public var constraintFields: [String: String] { ["vendors_check": "stateCode"] }

    /// `/api/v1/products`, `/warehouses`, `/vendors`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        MasterDataRoutes(client: client).register(on: api)
    }

    /// The stores, buying and selling all look products, warehouses and vendors up;
    /// purchasers keep vendors and products.
    public var grants: [Role: [Permission]] {
        [
            .accountant: [.masterDataRead], .storekeeper: [.masterDataRead], .sales: [.masterDataRead],
            .purchaser: [.masterDataRead, .masterDataManage],
        ]
    }
}
