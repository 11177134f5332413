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

    /// The state's or territory's name, as invoices print it beside the code.
    public static func name(_ code: String) -> String? {
        guard isPlace(code) else { return nil }
        return names[code]
    }

    private static let names: [String: String] = [
        "01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh", "05": "Uttarakhand",
        "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh", "10": "Bihar", "11": "Sikkim",
        "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur", "15": "Mizoram", "16": "Tripura",
        "17": "Meghalaya", "18": "Assam", "19": "West Bengal", "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh",
        "23": "Madhya Pradesh", "24": "Gujarat", "25": "Daman and Diu",
        "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra", "28": "Andhra Pradesh (before 2014)",
        "29": "Karnataka", "30": "Goa", "31": "Lakshadweep", "32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry",
        "35": "Andaman and Nicobar Islands", "36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh",
        "97": "Other Territory",
    ]

    private static func number(_ code: String) -> Int? {
        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(code)
    }
}
