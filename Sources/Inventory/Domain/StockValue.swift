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
    /// Units reserved for sales orders (the stock levels read model keeps it here).
    public var reserved: Int64

    /// Creates a value with the given fields.
    public init(onHand: Int64 = 0, value: Money = .zero, reserved: Int64 = 0) {
        self.onHand = onHand
        self.value = value
        self.reserved = reserved
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

/// A product in a warehouse: what stock is valued per.
public struct StockPlace: Sendable, Hashable, Comparable {
    /// The product's id.
    public var product: Int64
    /// The warehouse's id.
    public var warehouse: Int64

    /// A place.
    public init(product: Int64, warehouse: Int64) {
        self.product = product
        self.warehouse = warehouse
    }

    /// By product, then warehouse: the order rows are locked in.
    public static func < (lhs: StockPlace, rhs: StockPlace) -> Bool {
        (lhs.product, lhs.warehouse) < (rhs.product, rhs.warehouse)
    }
}

/// The moving-average valuation of one document's movements, in order: what
/// ``StockLedger`` (and the history seeder) give each movement.
public struct StockValuation: Sendable {
    /// On hand and value per place, before and after the movements so far.
    public var levels: [StockPlace: StockValue]
    /// What the outgoing legs took so far, per batch: a transfer's incoming leg brings it.
    private var taken: [Int64: StockValue] = [:]

    /// A valuation starting from `levels`.
    public init(levels: [StockPlace: StockValue] = [:]) {
        self.levels = levels
    }

    /// Moves `quantity` (signed) of `batch` at `place` and returns the signed value it
    /// moved: out at its share of the average; in at `worth` when it is known (a customer
    /// return at the cost it left with), else at `unitCost` when bought, else with what
    /// an outgoing leg of the same batch took (a transfer), else at the average (a count
    /// found).
    public mutating func move(
        _ place: StockPlace, batch: Int64, quantity: Int64, unitCost: Int64?, worth known: Money? = nil
    ) -> Money {
        var level = levels[place, default: StockValue()]
        defer { levels[place] = level }
        if quantity < 0 {
            let value = level.remove(-quantity)
            taken[batch, default: StockValue()].add(-quantity, worth: value)
            return Money(paise: -value.paise)
        }
        let worth: Money
        if let known {
            worth = known
        } else if let unitCost {
            worth = Money(paise: unitCost).times(quantity)
        } else if var source = taken[batch], source.onHand > 0 {
            worth = source.remove(min(quantity, source.onHand))
            taken[batch] = source
        } else {
            worth = level.share(of: quantity)
        }
        level.add(quantity, worth: worth)
        return worth
    }
}
