// The two-digit state and union-territory codes GST uses.

/// GST state codes: 01 (Jammu and Kashmir) to 38 (Ladakh) and 97 (other territory) are
/// places; 99 (centre jurisdiction) appears in some GSTINs but is no place goods are kept,
/// bought or sold.
public enum StateCode {
    /// What a field that takes a place's code says about it.
    public static let placeRule =
        "must be a two-digit GST state or union-territory code (01-38, or 97 for other territory)"

    /// Whether `code` is the GST code of a state or union territory (01-38, 97).
    public static func isPlace(_ code: String) -> Bool {
        number(code).map { (1...38).contains($0) || $0 == 97 } ?? false
    }

    /// Whether `code` may open a GSTIN: a place's code, or 99 (centre jurisdiction).
    public static func isRegistration(_ code: String) -> Bool {
        isPlace(code) || number(code) == 99
    }

    private static func number(_ code: String) -> Int? {
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(code)
    }
}
