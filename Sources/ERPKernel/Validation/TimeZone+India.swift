// The business time zone.
public import Foundation

extension TimeZone {
    /// Asia/Kolkata (UTC+05:30, no daylight saving): the zone of the business date, the
    /// financial year and the schedules. Falls back to a fixed UTC+05:30 on a system
    /// without the time zone database, which names the same instants.
    public static let india: TimeZone =
        TimeZone(identifier: "Asia/Kolkata") ?? TimeZone(secondsFromGMT: 19_800) ?? .current
}
