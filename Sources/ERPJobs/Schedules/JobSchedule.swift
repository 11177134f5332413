// Periodic jobs: a cron expression in a time zone, and the job each tick enqueues.
public import Foundation

/// A job enqueued on every tick of a cron expression, e.g. the expiry scan at 02:00
/// Asia/Kolkata.
public struct JobSchedule: Sendable {
    /// Unique among schedules; names the row in `job_schedules`.
    public var name: String
    /// When it fires.
    public var cron: CronExpression
    /// The zone the cron fields are read in.
    public var timeZone: TimeZone
    /// What each tick enqueues. Its dedupe key defaults to `schedule:<name>`, so a tick
    /// whose predecessor is still pending or running is skipped rather than piled up.
    public var job: NewJob
    /// A tick missed while no daemon ran is still enqueued when one starts within this
    /// long after it; older ticks are skipped.
    public var catchUpWindow: Duration

    /// Describes a schedule.
    public init(
        name: String, cron: CronExpression, timeZone: TimeZone, job: NewJob, catchUpWindow: Duration = .seconds(3600)
    ) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.job = job
        if self.job.dedupeKey == nil { self.job.dedupeKey = "schedule:\(name)" }
        self.catchUpWindow = catchUpWindow
    }

    /// The latest tick at or before `now` and within the catch-up window, if any.
    public func latestTick(atOrBefore now: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let minute = (now.timeIntervalSince1970 / 60).rounded(.down) * 60
        let window = Int(catchUpWindow.components.seconds / 60)
        for back in 0...max(window, 0) {
            let candidate = Date(timeIntervalSince1970: minute - Double(back * 60))
            let fields = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: candidate)
            // A Gregorian calendar gives every one of these fields for any instant.
            guard let minute = fields.minute, let hour = fields.hour, let day = fields.day, let month = fields.month,
                let weekday = fields.weekday
            else { continue }
            if cron.matches(minute: minute, hour: hour, day: day, month: month, weekday: weekday - 1) {
                return candidate
            }
        }
        return nil
    }
}
