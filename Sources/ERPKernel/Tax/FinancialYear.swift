// The Indian financial year (1 April – 31 March), and document numbers as GST allows them.

/// The financial year that starts on 1 April of ``startYear``.
public struct FinancialYear: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The calendar year of its 1 April.
    public let startYear: Int

    /// The year that starts on 1 April of `startYear`.
    public init(startYear: Int) {
        self.startYear = startYear
    }

    /// The year `date` falls in: April–December belong to the year starting that April,
    /// January–March to the one that started the April before.
    public init(containing date: CalendarDate) {
        startYear = date.month >= 4 ? date.year : date.year - 1
    }

    /// 1 April of ``startYear``.
    public var firstDay: CalendarDate { CalendarDate(checkedYear: startYear, month: 4, day: 1) }
    /// 31 March of the next year.
    public var lastDay: CalendarDate { CalendarDate(checkedYear: startYear + 1, month: 3, day: 31) }
    /// The last day a credit note may be issued for a supply of this year: 30 November
    /// after it ends (Sec 34(2) CGST Act, as amended by the Finance Act 2022).
    public var creditNoteDeadline: CalendarDate { CalendarDate(checkedYear: startYear + 1, month: 11, day: 30) }

    /// `2026-27`: how the e-invoice IRN and GST returns name it.
    public var label: String {
        let next = (startYear + 1) % 100
        return "\(startYear)-\(next < 10 ? "0" : "")\(next)"
    }

    /// `26-27`: short enough for a document number's prefix.
    public var shortLabel: String { String(label.dropFirst(2)) }

    /// Its ``label``.
    public var description: String { label }

    /// Earlier years first.
    public static func < (lhs: FinancialYear, rhs: FinancialYear) -> Bool { lhs.startYear < rhs.startYear }
}

/// An invoice or credit note number: 1–16 letters, digits, `-` and `/`, not starting
/// with `0`, `/` or `-`; kept upper-case, since the e-invoice portal and GSTR-1 read
/// numbers without regard to case.
public struct DocumentNumber: Sendable, Hashable, TextValue {
    /// The number, upper-case.
    public let value: String

    /// Why a text is not a document number.
    public struct Problem: Error, Sendable, CustomStringConvertible, Equatable {
        /// What went wrong, for people.
        public var description: String
    }

    /// What every document number must be.
    public static let rule =
        "at most 16 letters, digits, '-' and '/', not starting with '0', '/' or '-'"

    /// Validates `text`.
    ///
    /// - Throws: ``Problem`` saying what is wrong.
    public init(_ text: String) throws(Problem) {
        let upper = text.uppercased()
        guard !upper.isEmpty, upper.count <= 16 else {
            throw Problem(description: "'\(text)' has \(text.count) characters: a document number has 1 to 16")
        }
        let allowed = upper.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "/" }
        guard allowed else { throw Problem(description: "'\(text)' is not \(Self.rule)") }
        guard let first = upper.first, first != "0", first != "/", first != "-" else {
            throw Problem(description: "'\(text)' starts with '0', '/' or '-', which the GST portal refuses")
        }
        value = upper
    }

    /// `prefix` followed by `sequence`, zero-padded to `width` digits.
    ///
    /// - Throws: ``Problem`` when the result is no valid number (too long, for one).
    public init(prefix: String, sequence: Int64, width: Int) throws(Problem) {
        let digits = String(sequence)
        try self.init(prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits)
    }

    /// As printed.
    public var description: String { value }

    /// A valid value for a decoder to put in place of an invalid field.
    public static var standIn: DocumentNumber { DocumentNumber(checked: "INV1") }

    private init(checked value: String) {
        self.value = value
    }
}
