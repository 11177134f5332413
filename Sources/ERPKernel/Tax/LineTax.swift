// The tax of one sales line and the totals of a document, exactly in paise.
//
// Exclusive (B2B rates): taxable = quantity × rate − discount; each tax component is
// round-half-up(taxable × the component's rate).
// Inclusive (counter prices, at most MRP): gross = quantity × price − discount;
// taxable = round-half-up(gross × 100 / (100 + rate)); tax = gross − taxable, split
// CGST = round-half-up(tax / 2), SGST = tax − CGST.
// A document's figures are the exact sums of its lines; its grand total is rounded to
// the rupee and the difference is its round-off.

/// Whether a line's price includes GST.
public enum PriceBasis: String, Sendable, Hashable, Codable, CaseIterable {
    /// The price is before tax (B2B rates): tax is added on top.
    case exclusive
    /// The price includes tax (counter sales, at most the MRP): tax is taken out of it.
    case inclusive
}

/// A line's discount: a percentage of its gross amount, or an amount.
public enum LineDiscount: Sendable, Hashable {
    /// No discount.
    case none
    /// `basisPoints` hundredths of a percent of the gross amount (1000 = 10 %).
    case percent(basisPoints: Int64)
    /// This many paise off the line.
    case amount(Money)

    /// The discount on a line whose gross amount is `gross`, rounded half up to the paisa.
    public func of(_ gross: Money) -> Money {
        switch self {
        case .none: .zero
        case .percent(let basisPoints): gross.scaled(by: basisPoints, dividedBy: 10_000)
        case .amount(let amount): amount
        }
    }
}

/// The figures of one line: what it is worth before and after discount, and its tax.
public struct LineTax: Sendable, Hashable, Codable {
    /// Quantity × unit price.
    public var gross: Money
    /// What the discount takes off `gross`.
    public var discount: Money
    /// The value tax is charged on.
    public var taxable: Money
    /// Central GST (within a state).
    public var cgst: Money
    /// State GST (within a state).
    public var sgst: Money
    /// Integrated GST (between states).
    public var igst: Money

    /// The whole tax of the line.
    public var tax: Money { cgst + sgst + igst }
    /// What the line costs the buyer: taxable value and tax.
    public var total: Money { taxable + tax }

    /// The figures of `quantity` at `unitPrice`, less `discount`, taxed at
    /// `rateBasisPoints` (500 = 5 %), IGST when `interState`, else CGST + SGST.
    ///
    /// The discount must not exceed the gross amount (the caller refuses that first).
    public init(
        quantity: Int64, unitPrice: Money, discount: LineDiscount = .none, basis: PriceBasis, rateBasisPoints: Int64,
        interState: Bool
    ) {
        gross = unitPrice.times(quantity)
        self.discount = discount.of(gross)
        let net = gross - self.discount
        switch basis {
        case .exclusive:
            taxable = net
            if interState {
                (cgst, sgst, igst) = (.zero, .zero, net.scaled(by: rateBasisPoints, dividedBy: 10_000))
            } else {
                let half = net.scaled(by: rateBasisPoints, dividedBy: 20_000)
                (cgst, sgst, igst) = (half, half, .zero)
            }
        case .inclusive:
            taxable = net.scaled(by: 10_000, dividedBy: 10_000 + rateBasisPoints)
            let tax = net - taxable
            if interState {
                (cgst, sgst, igst) = (.zero, .zero, tax)
            } else {
                let central = tax.scaled(by: 1, dividedBy: 2)
                (cgst, sgst, igst) = (central, tax - central, .zero)
            }
        }
    }

    /// A line from its figures (a stored document, a credit note's reversal).
    public init(gross: Money, discount: Money, taxable: Money, cgst: Money, sgst: Money, igst: Money) {
        self.gross = gross
        self.discount = discount
        self.taxable = taxable
        self.cgst = cgst
        self.sgst = sgst
        self.igst = igst
    }
}

/// The header figures of an invoice or a credit note: exact sums of its lines, and the
/// grand total rounded to the rupee.
public struct DocumentTotals: Sendable, Hashable, Codable {
    /// Σ line discounts.
    public var discount: Money
    /// Σ taxable values.
    public var taxable: Money
    /// Σ CGST.
    public var cgst: Money
    /// Σ SGST.
    public var sgst: Money
    /// Σ IGST.
    public var igst: Money
    /// Grand total − Σ line totals; |round-off| ≤ 50 paise.
    public var roundOff: Money
    /// Σ line totals rounded half up to the rupee: what is paid.
    public var grandTotal: Money

    /// Σ line totals before rounding.
    public var linesTotal: Money { taxable + cgst + sgst + igst }

    /// The totals of `lines`.
    public init(_ lines: [LineTax]) {
        discount = lines.reduce(.zero) { $0 + $1.discount }
        taxable = lines.reduce(.zero) { $0 + $1.taxable }
        cgst = lines.reduce(.zero) { $0 + $1.cgst }
        sgst = lines.reduce(.zero) { $0 + $1.sgst }
        igst = lines.reduce(.zero) { $0 + $1.igst }
        let exact = taxable + cgst + sgst + igst
        grandTotal = exact.scaled(by: 1, dividedBy: 100).times(100)
        roundOff = grandTotal - exact
    }
}
