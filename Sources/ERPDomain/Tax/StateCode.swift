// The two-digit state and union-territory codes GST uses.

/// GST state codes: 01 (Jammu and Kashmir) to 38 (Ladakh), 97 (other territory) and 99 (centre jurisdiction).
public enum StateCode {
    /// Whether `code` is a two-digit GST state code.
    public static func isValid(_ code: String) -> Bool {
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(code) else { return false }
        return (1...38).contains(number) || number == 97 || number == 99
    }
}
