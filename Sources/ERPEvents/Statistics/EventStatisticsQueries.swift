// Totals per event type, from the event statistics projection, for `erp events stats`.
public import Foundation
public import PostgresNIO

extension EventBrowser {
    /// Totals of one event type.
    public struct TypeStatistics: Sendable, Codable, Equatable {
        /// The event type.
        public var type: String
        /// Events of the type.
        public var count: Int64
        /// Its first and last event.
        public var firstPosition: Int64
        /// The position of its last event.
        public var lastPosition: Int64
        /// When they were recorded.
        public var firstRecorded: Date
        /// When its last event was recorded.
        public var lastRecorded: Date
    }

    /// Totals per type, and how current they are.
    public struct Statistics: Sendable, Codable {
        /// Per type, by type name.
        public var types: [TypeStatistics]
        /// Events in the log after the totals' checkpoint: not counted yet.
        public var uncountedEvents: Int64
    }

    /// Totals per type from the `event_statistics` projection, with the events it has not
    /// counted yet (it lags, or is paused).
    public func statistics(on connection: PostgresConnection) async throws -> Statistics {
        let rows = try await connection.query(
            """
            SELECT type, event_count, first_position, last_position, first_recorded, last_recorded
              FROM event_type_statistics ORDER BY type
            """,
            logger: logger
        )
        var types: [TypeStatistics] = []
        for try await (type, count, first, last, firstRecorded, lastRecorded) in rows.decode(
            (String, Int64, Int64, Int64, Date, Date).self)
        {
            types.append(
                TypeStatistics(
                    type: type, count: count, firstPosition: first, lastPosition: last, firstRecorded: firstRecorded,
                    lastRecorded: lastRecorded))
        }
        let uncounted = try await connection.query(
            """
            SELECT count(*) FROM events e
             WHERE NOT EXISTS (SELECT 1 FROM projector_checkpoints WHERE name = 'event_statistics')
                OR (e.tx, e.position) > (SELECT tx, position FROM projector_checkpoints WHERE name = 'event_statistics')
            """,
            logger: logger
        )
        var pending: Int64 = 0
        for try await count in uncounted.decode(Int64.self) { pending = count }
        return Statistics(types: types, uncountedEvents: pending)
    }

}
