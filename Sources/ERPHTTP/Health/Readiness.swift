// What `GET /ready` checks: the database, the schema, the event listener and the projector runners.
public import ERPEvents
public import ERPStore
import Logging
public import PostgresNIO

/// Answers whether this process can do its work right now.
public struct Readiness: Sendable {
    /// The outcome of one check, as the `/ready` body shows it.
    public struct Report: Sendable, Codable, Equatable {
        /// `ready` or `unavailable`.
        public var status: String
        /// Whether the database answered.
        public var database: Bool
        /// Whether every migration and definition is applied.
        public var migrations: Bool
        /// `nil` when this process runs no listener (API-only role).
        public var listener: Bool?
        /// Projectors whose runner made no progress for the watchdog's timeout (it is
        /// being restarted); `nil` when this process runs no projectors.
        public var stuckProjectors: [String]?
        /// What is not ready, when something is not.
        public var detail: String?

        /// Whether every check passed.
        public var isReady: Bool { database && migrations && listener != false && (stuckProjectors ?? []).isEmpty }
    }

    let client: PostgresClient
    let migrations: [Migration]
    let definitions: [Definition]
    let listener: ChannelListener?
    let pipeline: EventPipeline?
    let timeout: Duration

    /// Creates the check.
    ///
    /// - Parameters:
    ///   - client: The pooled client the API uses.
    ///   - migrations: The migrations this binary carries; all must be applied.
    ///   - definitions: The repeatable definitions it carries; each must be applied as it is.
    ///   - listener: The event listener when this process runs one (the pipeline's, by default).
    ///   - pipeline: The projectors when this process runs them.
    ///   - timeout: How long the database may take to answer.
    public init(
        client: PostgresClient, migrations: [Migration] = Migration.embedded,
        definitions: [Definition] = Definition.embedded, listener: ChannelListener? = nil,
        pipeline: EventPipeline? = nil, timeout: Duration = .seconds(2)
    ) {
        self.client = client
        self.migrations = migrations
        self.definitions = definitions
        self.listener = listener ?? pipeline?.listener
        self.pipeline = pipeline
        self.timeout = timeout
    }

    /// Runs the checks.
    public func check() async -> Report {
        var report = Report(
            status: "ready", database: false, migrations: false, listener: listener?.isConnected,
            stuckProjectors: pipeline.map { $0.stuckRunners.map(\.projector.name) }
        )
        let versions = migrations.map(\.version)
        let paths = definitions.map(\.path)
        let checksums = definitions.map(\.checksum)
        do {
            report.migrations = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await client.withLiveConnection { connection in
                        try await connection.value(
                            """
                            SELECT (SELECT count(*) = \(versions.count) FROM schema_migrations
                                     WHERE version = ANY(\(versions)))
                               AND (SELECT count(*) = \(paths.count) FROM schema_definitions s
                                      JOIN unnest(\(paths)::text[], \(checksums)::text[]) AS d(path, checksum)
                                        ON d.path = s.path AND d.checksum = s.checksum)
                            """,
                            as: Bool.self, logger: Logger(label: "erp.ready")
                        ) ?? false
                    }
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
        if let stuck = report.stuckProjectors, !stuck.isEmpty, report.detail == nil {
            report.detail = "projectors made no progress and are being restarted: \(stuck.joined(separator: ", "))"
        }
        report.status = report.isReady ? "ready" : "unavailable"
        return report
    }

    private struct CheckTimedOut: Error {}
}
