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
    public init(_ text: String) throws(Problem) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { throw Problem(text: text) }
        try self.init(year: year, month: month, day: day)
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

    /// As people read it.
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

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
