// Every event type this build's triggers record.

/// The event types the triggers in `triggers/` write. `erp verify` reports any other type
/// in the log; a test keeps this list and the triggers in step.
public enum EventTypes {
    /// Every known type.
    public static let all: Set<String> = [
        "product.created", "product.updated",
        "vendor.created", "vendor.updated",
        "warehouse.created", "warehouse.updated",
        "purchase_order.updated", "purchase_order.approved", "purchase_order.cancelled",
        "goods.received", "vendor_bill.posted", "purchase.returned",
        "stock.issued", "stock.transferred", "stock.adjusted",
    ]
}
