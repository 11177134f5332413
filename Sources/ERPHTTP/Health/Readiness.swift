// What `GET /ready` checks: the database, the schema, and the event listener.
public import ERPEvents
public import ERPStore
import Logging
public import PostgresNIO

/// Answers whether this process can do its work right now.
public struct Readiness: Sendable {
    /// The outcome of one check, as the `/ready` body shows it.
    public struct Report: Sendable, Codable, Equatable {
        public var status: String
        public var database: Bool
        public var migrations: Bool
        /// `nil` when this process runs no listener (API-only role).
        public var listener: Bool?
        public var detail: String?

        /// Whether every check passed.
        public var isReady: Bool { database && migrations && listener != false }
    }

    let client: PostgresClient
    let migrations: [Migration]
    let listener: ChannelListener?
    let timeout: Duration

    /// Creates the check.
    ///
    /// - Parameters:
    ///   - client: The pooled client the API uses.
    ///   - migrations: The migrations this binary carries; all must be applied.
    ///   - listener: The event listener when this process runs one.
    ///   - timeout: How long the database may take to answer.
    public init(
        client: PostgresClient, migrations: [Migration] = Migration.embedded, listener: ChannelListener?,
        timeout: Duration = .seconds(2)
    ) {
        self.client = client
        self.migrations = migrations
        self.listener = listener
        self.timeout = timeout
    }

    /// Runs the checks.
    public func check() async -> Report {
        var report = Report(status: "ready", database: false, migrations: false, listener: listener?.isConnected)
        let versions = migrations.map(\.version)
        do {
            report.migrations = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    let rows = try await client.query(
                        """
                        SELECT count(*) = \(versions.count) FROM schema_migrations
                         WHERE version = ANY(\(versions))
                        """
                    )
                    for try await current in rows.decode(Bool.self) { return current }
                    return false
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw CheckTimedOut()
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            report.database = true
            if !report.migrations { report.detail = "migrations are pending" }
        } catch let error as PSQLError where !error.isConnectionFailure {
            report.database = true
            report.detail = "schema not migrated: \(databaseErrorMessage(error))"
        } catch is CheckTimedOut {
            report.detail = "the database did not answer within \(timeout)"
        } catch {
            report.detail = databaseErrorMessage(error)
        }
        if report.listener == false, report.detail == nil { report.detail = "the event listener is not connected" }
        report.status = report.isReady ? "ready" : "unavailable"
        return report
    }

    private struct CheckTimedOut: Error {}
}
