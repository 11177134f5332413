// The limits every document line keeps to, whatever the document.

/// Limits on document lines: how many, how many units, how many paise a unit. They keep
/// every total far from overflowing 64 bits.
public enum LineRules {
    /// At most this many lines on one document.
    public static let maximumLines = 200
    /// At most this many units on one line (a crore).
    public static let maximumQuantity: Int64 = 10_000_000
    /// At most this many paise per unit (₹10 lakh).
    public static let maximumUnitPrice: Int64 = 100_000_000

    /// Checks a line quantity: above zero, or non-zero when `signed`, and at most ``maximumQuantity`` either way.
    public static func checkQuantity(
        _ quantity: Int64, _ field: String, signed: Bool = false, into check: inout Validation
    ) {
        if signed {
            check.require(quantity != 0, field, "must not be zero")
        } else {
            check.require(quantity > 0, field, "must be greater than zero")
        }
        check.require(
            quantity.magnitude <= maximumQuantity.magnitude, field, "must be at most \(maximumQuantity) units")
    }

    /// Checks a price per unit in paise: not negative and at most ``maximumUnitPrice``.
    public static func checkPrice(_ paise: Int64, _ field: String, into check: inout Validation) {
        check.require(paise >= 0, field, "must not be negative")
        check.require(paise <= maximumUnitPrice, field, "must be at most \(maximumUnitPrice) paise")
    }

    /// Checks a document's `reference` (up to 100 characters) and `note` (up to 1000).
    public static func checkRemarks(reference: String?, note: String?, into check: inout Validation) {
        check.text(reference, "reference", maximum: 100, required: false)
        check.text(note, "note", maximum: 1000, required: false)
    }

    /// Checks the number of lines: at least one, at most ``maximumLines``.
    public static func checkCount(_ count: Int, into check: inout Validation) {
        check.require(count > 0, "lines", "needs at least one line")
        check.require(count <= maximumLines, "lines", "has more than \(maximumLines) lines")
    }
}
