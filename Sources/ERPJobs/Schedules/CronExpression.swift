// Five-field cron expressions: minute hour day-of-month month day-of-week.

/// A cron expression such as `0 2 * * *` (02:00 every day) or `*/15 9-18 * * 1-6`.
///
/// Each field takes `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a
/// comma-separated list of those. Day of week runs 0–6 from Sunday (7 is Sunday too).
/// As in Vixie cron, when both day fields are restricted a day matching either one counts.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression could not be read; says which field and why.
    public struct Invalid: Error, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String
    }

    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool
    /// What went wrong, for people.
    public let description: String

    /// Every day at `hour`:`minute` (`30 2 * * *` for 02:30): a schedule written in code
    /// that needs no parsing, so it cannot fail.
    public static func daily(hour: Int, minute: Int) -> CronExpression {
        let hour = min(max(hour, 0), 23)
        let minute = min(max(minute, 0), 59)
        return CronExpression(
            minutes: [minute], hours: [hour], days: Set(1...31), months: Set(1...12), weekdays: Set(0...6),
            daysRestricted: false, weekdaysRestricted: false, description: "\(minute) \(hour) * * *"
        )
    }

    private init(
        minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>,
        daysRestricted: Bool, weekdaysRestricted: Bool, description: String
    ) {
        self.minutes = minutes
        self.hours = hours
        self.days = days
        self.months = months
        self.weekdays = weekdays
        self.daysRestricted = daysRestricted
        self.weekdaysRestricted = weekdaysRestricted
        self.description = description
    }

    /// Parses `text`.
    ///
    /// - Throws: ``Invalid`` naming the field that is wrong.
    public init(_ text: String) throws {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw Invalid(
                description:
                    "cron expression \"\(text)\" needs 5 fields (minute hour day month weekday), got \(fields.count)")
        }
        minutes = try Self.parse(fields[0], name: "minute", range: 0...59)
        hours = try Self.parse(fields[1], name: "hour", range: 0...23)
        days = try Self.parse(fields[2], name: "day of month", range: 1...31)
        months = try Self.parse(fields[3], name: "month", range: 1...12)
        weekdays = Set(try Self.parse(fields[4], name: "day of week", range: 0...7).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
        description = fields.joined(separator: " ")
    }

    /// Whether a wall-clock minute matches.
    ///
    /// - Parameter weekday: 0 for Sunday through 6 for Saturday.
    public func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }

    private static func parse(_ field: String, name: String, range: ClosedRange<Int>) throws -> Set<Int> {
        var values: Set<Int> = []
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let invalid = Invalid(
                description:
                    "cron \(name) field \"\(field)\": expected *, N, A-B, */S or A-B/S within \(range.lowerBound)-\(range.upperBound)"
            )
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw invalid }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else { throw invalid }
                step = parsed
            }
            let span: ClosedRange<Int>
            if stepParts[0] == "*" {
                span = range
            } else if let dash = stepParts[0].firstIndex(of: "-") {
                guard let low = Int(stepParts[0][..<dash]),
                    let high = Int(stepParts[0][stepParts[0].index(after: dash)...]),
                    low <= high, range.contains(low), range.contains(high)
                else { throw invalid }
                span = low...high
            } else {
                guard let value = Int(stepParts[0]), range.contains(value) else { throw invalid }
                // "5/15" means from 5 to the end in steps of 15.
                span = stepParts.count == 2 ? value...range.upperBound : value...value
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }
}
