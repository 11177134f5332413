// The jobs ERPCore runs, their queues and their schedules, in one place for `erp serve` and `erp worker`.
public import AsyncHTTPClient
public import Foundation
public import PostgresNIO

/// ERPCore's own background work.
public enum BackgroundWork {
    /// What the jobs need from configuration.
    public struct Settings: Sendable {
        /// Where notifications are delivered; none configured means none delivered.
        public var webhooks: WebhookEndpoints
        /// The expiry scan flags batches expiring within this many days.
        public var expiryWindowDays: Int
        /// The zone the schedules are read in.
        public var timeZone: TimeZone

        /// Creates settings; the defaults suit an Indian business.
        public init(
            webhooks: WebhookEndpoints = .init(urls: [], secret: ""),
            expiryWindowDays: Int = 90,
            timeZone: TimeZone = TimeZone(identifier: "Asia/Kolkata")!
        ) {
            self.webhooks = webhooks
            self.expiryWindowDays = expiryWindowDays
            self.timeZone = timeZone
        }
    }

    /// Every queue ERPCore's jobs use: `default` for scans, `notifications` for deliveries.
    public static let queues = ["default", "notifications"]

    /// The handler of every kind of job ERPCore enqueues.
    public static func handlers(settings: Settings, client: PostgresClient, http: HTTPClient = .shared) -> [any JobHandler] {
        [
            NotificationDelivery(endpoints: settings.webhooks, client: client, http: http),
            ExpiryScan(client: client),
            ReorderSuggestions(client: client),
        ]
    }

    /// The periodic jobs: the expiry scan at 02:00 and reorder suggestions at 02:30, daily.
    public static func schedules(settings: Settings) -> [JobSchedule] {
        [
            JobSchedule(
                name: "expiry-scan", cron: try! CronExpression("0 2 * * *"), timeZone: settings.timeZone,
                job: NewJob(
                    kind: ExpiryScan.kind,
                    payload: #"{"windowDays":\#(settings.expiryWindowDays)}"#,
                    maxAttempts: 5
                )
            ),
            JobSchedule(
                name: "reorder-suggestions", cron: try! CronExpression("30 2 * * *"), timeZone: settings.timeZone,
                job: NewJob(kind: ReorderSuggestions.kind, maxAttempts: 5)
            ),
        ]
    }
}
