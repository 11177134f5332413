// Dates without a time of day, as documents carry them (expiry, effective-from).
import Foundation

/// A date written `YYYY-MM-DD` (ISO 8601), validated against the calendar.
public struct CalendarDate: Sendable, Hashable, Comparable, TextValue {
    /// The year, e.g. 2026.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, 1–31.
    public let day: Int

    /// Why a text is not a date.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The text that is not a date.
        public var text: String
        /// What went wrong, for people.
        public var description: String { "'\(text)' is not a date (YYYY-MM-DD)" }
    }

    /// Parses `YYYY-MM-DD`, refusing dates the calendar does not have (2026-02-30).
    ///
    /// Read byte by byte: reports parse two dates a row over 100,000 rows.
    public init(_ text: String) throws(Problem) {
        let numbers = text.utf8.withContiguousStorageIfAvailable(Self.numbers) ?? Self.numbers(Array(text.utf8))
        guard let (year, month, day) = numbers else { throw Problem(text: text) }
        try self.init(year: year, month: month, day: day)
    }

    /// The year, month and day of `YYYY-MM-DD` in UTF-8, or `nil` when it has another shape.
    private static func numbers(_ bytes: some Collection<UInt8>) -> (Int, Int, Int)? {
        guard bytes.count == 10 else { return nil }
        var fields = (0, 0, 0)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            switch index {
            case ..<4: fields.0 = fields.0 * 10 + digit
            case ..<7: fields.1 = fields.1 * 10 + digit
            default: fields.2 = fields.2 * 10 + digit
            }
        }
        return fields
    }

    /// A valid value for a decoder to put in place of an invalid field.
    public static var standIn: CalendarDate { CalendarDate(checkedYear: 2000, month: 1, day: 1) }

    init(checkedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date with these numbers, refusing dates the calendar does not have.
    public init(year: Int, month: Int, day: Int) throws(Problem) {
        guard (1900...9999).contains(year), (1...12).contains(month), (1...Self.days(in: month, of: year)).contains(day)
        else {
            throw Problem(text: "\(year)-\(month)-\(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    private static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year.isMultiple(of: 4) && !year.isMultiple(of: 100)) || year.isMultiple(of: 400) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// As people read it: `YYYY-MM-DD`.
    ///
    /// Written digit by digit: the ledger writes a date per journal line.
    public var description: String {
        guard (0...9999).contains(year) else { return String(format: "%04d-%02d-%02d", year, month, day) }
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func write(_ value: Int, at start: Int, width: Int) {
                var value = value
                for offset in stride(from: start + width - 1, through: start, by: -1) {
                    buffer[offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            write(year, at: 0, width: 4)
            buffer[4] = UInt8(ascii: "-")
            write(month, at: 5, width: 2)
            buffer[7] = UInt8(ascii: "-")
            write(day, at: 8, width: 2)
            return 10
        }
    }

    /// Ordered as time and the log run.
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The date `days` later (earlier when negative), stepping month by month.
    public func adding(days: Int) -> CalendarDate {
        var (year, month, day) = (year, month, day + days)
        while day > Self.days(in: month, of: year) {
            day -= Self.days(in: month, of: year)
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        while day < 1 {
            (year, month) = month == 1 ? (year - 1, 12) : (year, month - 1)
            day += Self.days(in: month, of: year)
        }
        return CalendarDate(checkedYear: year, month: month, day: day)
    }
}
