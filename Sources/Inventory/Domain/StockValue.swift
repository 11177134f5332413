// Stock valued at moving-average cost, in whole paise.
public import ERPKernel
import ERPStore
import MasterData

/// On hand and its value for one product in one warehouse, at moving-average cost.
///
/// Stock coming in at a known cost adds that cost; anything leaving takes its
/// proportional share of the value, so the last unit out takes exactly what is left
/// and an empty warehouse is worth nothing.
public struct StockValue: Sendable, Hashable {
    /// Units on hand.
    public var onHand: Int64
    /// Their value at moving-average cost.
    public var value: Money

    /// Creates a value with the given fields.
    public init(onHand: Int64 = 0, value: Money = .zero) {
        self.onHand = onHand
        self.value = value
    }

    /// The value of `quantity` units at the current average cost, rounded to the
    /// nearest paisa; all of the value when `quantity` is everything on hand.
    public func share(of quantity: Int64) -> Money {
        guard onHand > 0 else { return .zero }
        guard quantity < onHand else { return value }
        return value.scaled(by: quantity, dividedBy: onHand)
    }

    /// Average cost per unit, rounded to the nearest paisa.
    public var averageUnitCost: Money { share(of: onHand > 0 ? 1 : 0) }

    /// Adds `quantity` units worth `cost` in all.
    public mutating func add(_ quantity: Int64, worth cost: Money) {
        onHand += quantity
        value = value + cost
    }

    /// Takes `quantity` units out and returns the value they took.
    @discardableResult
    public mutating func remove(_ quantity: Int64) -> Money {
        let taken = share(of: quantity)
        onHand -= quantity
        value = onHand > 0 ? value - taken : .zero
        return taken
    }
}
