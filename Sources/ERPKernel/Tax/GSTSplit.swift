// How GST on one line divides between the centre and the states.

/// The tax on a taxable amount: CGST + SGST (half the rate each) when the supplier's
/// state is the place of supply, IGST otherwise.
public struct GSTSplit: Sendable, Hashable, Codable {
    /// Central GST, for a supply within one state.
    public var cgst: Money
    /// State GST, for a supply within one state.
    public var sgst: Money
    /// Integrated GST, for a supply between states.
    public var igst: Money

    /// The whole tax.
    public var total: Money { cgst + sgst + igst }

    /// Computes the tax on `taxable` at `rateBasisPoints` (1800 = 18 %), rounded to the
    /// nearest paisa, half away from zero; an odd paisa goes to CGST.
    ///
    /// - Parameters:
    ///   - taxable: The line's taxable value.
    ///   - rateBasisPoints: The GST rate in hundredths of a percent.
    ///   - supplierState: The supplier's state code.
    ///   - placeOfSupply: The state code where the goods are delivered.
    public init(taxable: Money, rateBasisPoints: Int64, supplierState: String, placeOfSupply: String) {
        let tax = taxable.scaled(by: rateBasisPoints, dividedBy: 10_000)
        if supplierState == placeOfSupply {
            let sgst = Money(paise: tax.paise / 2)
            self.init(cgst: tax - sgst, sgst: sgst, igst: .zero)
        } else {
            self.init(cgst: .zero, sgst: .zero, igst: tax)
        }
    }

    /// Creates a split from its parts.
    public init(cgst: Money, sgst: Money, igst: Money) {
        self.cgst = cgst
        self.sgst = sgst
        self.igst = igst
    }
}
