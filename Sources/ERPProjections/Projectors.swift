// The catalogue of read models this build keeps.
public import ERPEvents

/// Every projector `erp serve` runs.
public enum Projectors {
    /// A fresh instance of each projector, in a stable order.
    public static func all() -> [any Projector] {
        [EventStatisticsProjector(), StockLevelsProjector(), NotificationsProjector()]
    }
}
