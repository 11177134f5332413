// Amounts of rupees, kept as whole paise.

/// An amount in paise (1 rupee = 100 paise). Never a floating-point number: JSON and
/// SQL carry the same integer (`bigint`).
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in paise; negative for credits and reversals.
    public var paise: Int64

    /// Creates an amount of `paise`.
    public init(paise: Int64) {
        self.paise = paise
    }

    /// No money.
    public static let zero = Money(paise: 0)

    /// Decodes it from its JSON form.
    public init(from decoder: any Decoder) throws {
        paise = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes it in its JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(paise)
    }

    /// Ordered by amount.
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.paise < rhs.paise }
    /// The sum.
    public static func + (lhs: Money, rhs: Money) -> Money { Money(paise: lhs.paise + rhs.paise) }
    /// The difference.
    public static func - (lhs: Money, rhs: Money) -> Money { Money(paise: lhs.paise - rhs.paise) }

    /// This amount × `numerator` ÷ `denominator`, rounded to the nearest paisa (half away
    /// from zero), without overflowing in between. `denominator` must not be zero.
    public func scaled(by numerator: Int64, dividedBy denominator: Int64) -> Money {
        let (quotient, remainder) = denominator.dividingFullWidth(paise.multipliedFullWidth(by: numerator))
        // Half or more of the denominator left over: |2 × remainder| ≥ |denominator|.
        guard remainder.magnitude >= denominator.magnitude - remainder.magnitude else { return Money(paise: quotient) }
        let negative = ((paise < 0) != (numerator < 0)) != (denominator < 0)
        return Money(paise: negative ? quotient - 1 : quotient + 1)
    }

    /// The amount for `quantity` units at this unit price.
    public func times(_ quantity: Int64) -> Money { Money(paise: paise * quantity) }

    /// `₹1234.50` style, for messages.
    public var description: String {
        let sign = paise < 0 ? "-" : ""
        let magnitude = paise.magnitude
        let fraction = magnitude % 100
        return "\(sign)₹\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
