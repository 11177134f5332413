// Counts and bounds per event type, for `erp events stats` and a glance at the log.
import Foundation
public import Logging
public import PostgresNIO

/// Keeps `event_type_statistics`: per event type, how many events, and the first and
/// last position and time. Consumes every event type.
public struct EventStatisticsProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "event_statistics"

    /// Every type the log may hold: the projector sees all of them.
    public let eventTypes: Set<EventType>? = nil

    /// The tables it writes, which a rebuild replaces.
    public let tables: [ReadModelTable] = [.replaced("event_type_statistics")]

    /// Creates the projector.
    public init() {}

    /// Applies a batch of events, in log order, to the read model.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        struct Totals {
            var count: Int64 = 0
            var firstPosition = Int64.max
            var lastPosition = Int64.min
            var firstRecorded = Date.distantFuture
            var lastRecorded = Date.distantPast
        }
        var byType: [EventType: Totals] = [:]
        for event in events {
            var totals = byType[event.type, default: Totals()]
            totals.count += 1
            totals.firstPosition = min(totals.firstPosition, event.position)
            totals.lastPosition = max(totals.lastPosition, event.position)
            totals.firstRecorded = min(totals.firstRecorded, event.recordedAt)
            totals.lastRecorded = max(totals.lastRecorded, event.recordedAt)
            byType[event.type] = totals
        }
        let types = Array(byType.keys)
        let names = types.map(\.rawValue)
        let totals = types.compactMap { byType[$0] }
        try await transaction.query(
            """
            INSERT INTO event_type_statistics AS s
                   (type, event_count, first_position, last_position, first_recorded, last_recorded)
            SELECT * FROM unnest(\(names)::text[], \(totals.map(\.count))::bigint[],
                                 \(totals.map(\.firstPosition))::bigint[], \(totals.map(\.lastPosition))::bigint[],
                                 \(totals.map(\.firstRecorded))::timestamptz[], \(totals.map(\.lastRecorded))::timestamptz[])
            ON CONFLICT (type) DO UPDATE SET
                event_count    = s.event_count + EXCLUDED.event_count,
                first_position = LEAST(s.first_position, EXCLUDED.first_position),
                last_position  = GREATEST(s.last_position, EXCLUDED.last_position),
                first_recorded = LEAST(s.first_recorded, EXCLUDED.first_recorded),
                last_recorded  = GREATEST(s.last_recorded, EXCLUDED.last_recorded)
            """,
            logger: logger
        )
    }
}
