// Amounts in words as Indian invoices print them: lakh and crore, not million.

extension Money {
    /// `1,23,456.78`: rupees grouped the Indian way (thousands, then lakhs and crores in
    /// twos), two digits of paise, `-` before a negative amount.
    public var indianFormatted: String {
        let magnitude = paise.magnitude
        var digits = String(magnitude / 100)
        var groups: [String] = []
        if digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
            while digits.count > 2 {
                groups.insert(String(digits.suffix(2)), at: 0)
                digits.removeLast(2)
            }
        }
        groups.insert(digits, at: 0)
        let fraction = magnitude % 100
        return (paise < 0 ? "-" : "") + groups.joined(separator: ",") + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    /// `Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise Only`.
    ///
    /// Groups are crore (10^7), lakh (10^5), thousand and hundred; above 99 crore the
    /// crores are themselves read in lakh and thousand (`One Lakh Crore`).
    public var inWords: String {
        let magnitude = paise.magnitude
        let rupees = magnitude / 100
        let fraction = magnitude % 100
        var words = "Rupees " + (rupees == 0 ? "Zero" : IndianNumber.words(rupees))
        if fraction > 0 { words += " and " + IndianNumber.words(fraction) + " Paise" }
        return (paise < 0 ? "Minus " : "") + words + " Only"
    }
}

/// Whole numbers in words, grouped the Indian way.
enum IndianNumber {
    static let ones = [
        "", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
        "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
    ]
    static let tens = ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]

    /// `number` (> 0) in words.
    static func words(_ number: UInt64) -> String {
        var parts: [String] = []
        var rest = number
        let crores = rest / 10_000_000
        rest %= 10_000_000
        if crores > 0 { parts.append(words(crores) + " Crore") }
        let lakhs = rest / 100_000
        rest %= 100_000
        if lakhs > 0 { parts.append(belowHundred(lakhs) + " Lakh") }
        let thousands = rest / 1000
        rest %= 1000
        if thousands > 0 { parts.append(belowHundred(thousands) + " Thousand") }
        let hundreds = rest / 100
        rest %= 100
        if hundreds > 0 { parts.append(ones[Int(hundreds)] + " Hundred") }
        if rest > 0 { parts.append(belowHundred(rest)) }
        return parts.joined(separator: " ")
    }

    /// 1–99 in words.
    static func belowHundred(_ number: UInt64) -> String {
        if number < 20 { return ones[Int(number)] }
        let unit = number % 10
        return tens[Int(number / 10)] + (unit > 0 ? "-" + ones[Int(unit)] : "")
    }
}
