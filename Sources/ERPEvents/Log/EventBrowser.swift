// What an operator reads out of the log: filtered lists, one event, totals per type.
public import Foundation
public import Logging
public import PostgresNIO

/// Reads the event log for `erp events list/show/stats`.
///
/// Unlike ``EventReader`` it is not a consumer: it lists committed events by position,
/// including any above the horizon, and keeps no checkpoint.
public struct EventBrowser: Sendable {
    /// Which events to list.
    public struct Filter: Sendable {
        /// Events at or after this position.
        public var from: Int64?
        /// Events of these types (any of them); empty for all.
        public var types: [String] = []
        /// Events of this aggregate type.
        public var aggregateType: String?
        /// And this aggregate id (with `aggregateType`).
        public var aggregateID: String?
        /// Events recorded at or after this time.
        public var since: Date?
        /// At most this many.
        public var limit: Int = 50

        /// Creates a filter; every field is optional.
        public init(
            from: Int64? = nil, types: [String] = [], aggregateType: String? = nil, aggregateID: String? = nil,
            since: Date? = nil, limit: Int = 50
        ) {
            self.from = from
            self.types = types
            self.aggregateType = aggregateType
            self.aggregateID = aggregateID
            self.since = since
            self.limit = limit
        }
    }

    /// For its queries' diagnostics.
    public let logger: Logger

    /// Creates a browser that logs into `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Events matching `filter`, by position.
    public func list(_ filter: Filter, on connection: PostgresConnection) async throws -> [RecordedEvent] {
        let since = filter.since ?? Date(timeIntervalSince1970: 0)
        let rows = try await connection.query(
            """
            SELECT position, tx::text, type, aggregate_type, aggregate_id, payload::text, metadata::text, recorded_at
              FROM events
             WHERE position >= \(filter.from ?? 0)
               AND (cardinality(\(filter.types)::text[]) = 0 OR type = ANY(\(filter.types)::text[]))
               AND (\(filter.aggregateType)::text IS NULL OR aggregate_type = \(filter.aggregateType))
               AND (\(filter.aggregateID)::text IS NULL OR aggregate_id = \(filter.aggregateID))
               AND recorded_at >= \(since)
             ORDER BY position
             LIMIT \(filter.limit)
            """,
            logger: logger
        )
        return try await events(rows)
    }

    /// The event at `position`, if there is one.
    public func event(at position: Int64, on connection: PostgresConnection) async throws -> RecordedEvent? {
        let rows = try await connection.query(
            """
            SELECT position, tx::text, type, aggregate_type, aggregate_id, payload::text, metadata::text, recorded_at
              FROM events WHERE position = \(position)
            """,
            logger: logger
        )
        return try await events(rows).first
    }

    private func events(_ rows: PostgresRowSequence) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await (position, tx, type, aggregateType, aggregateID, payload, metadata, recordedAt)
            in rows.decode((Int64, String, String, String, String, String, String, Date).self)
        {
            events.append(
                RecordedEvent(
                    position: position, tx: try parseTransactionID(tx), type: EventType(rawValue: type),
                    aggregateType: aggregateType,
                    aggregateID: aggregateID, payload: payload, metadata: metadata, recordedAt: recordedAt
                )
            )
        }
        return events
    }
}
