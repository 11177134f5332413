import Foundation
// Reads the event log in commit-safe order.
public import Logging
public import PostgresNIO

/// Reads events after a checkpoint, in (tx, position) order, below the visibility horizon.
///
/// `tx < pg_snapshot_xmin(pg_current_snapshot())` keeps out every transaction that
/// might still commit, so an event that shows up later can never sort before one
/// already read. A long-open transaction anywhere in the cluster holds the horizon
/// back; that shows as lag, never as a skipped event.
public struct EventReader: Sendable {
    /// The channel the `record_event()` trigger notifies: a wake-up, never data.
    public static let channel = "erp_events"

    /// What one read returned.
    public struct Batch: Sendable {
        /// The events of the requested types, in log order.
        public var events: [RecordedEvent]
        /// The last event scanned, of any type: where the reader stands after this batch.
        /// `nil` when nothing new was below the horizon.
        public var end: EventCheckpoint?
        /// How many events were scanned, of any type.
        public var scanned: Int
        /// An event after this batch exists but is above the horizon: an older transaction
        /// is still open, and the event becomes readable when it ends.
        public var heldBack = false
        /// Nothing after this batch was seen: no need to read again until woken.
        public var isLast = false
    }

    let logger: Logger

    /// Creates a reader that logs into `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Reads up to `limit` events after `checkpoint`.
    ///
    /// Events of other types are scanned (so the checkpoint can move past them)
    /// but their payloads are not fetched. The same query tells whether what follows
    /// is held back or there is nothing more, so a caught-up reader needs one query.
    ///
    /// - Parameters:
    ///   - checkpoint: Where the reader stands.
    ///   - types: The event types to return; `nil` returns every type.
    ///   - limit: How many events to scan at most.
    ///   - bound: Read no further than this event; `nil` reads up to the horizon.
    ///   - payloadSQL: A text expression returned in place of the payload (``Projector/payloadSQL``).
    ///   - connection: A connection that is not inside a transaction that has written.
    public func read(
        after checkpoint: EventCheckpoint,
        types: Set<EventType>?,
        limit: Int,
        through bound: EventCheckpoint? = nil,
        payloadSQL: String? = nil,
        on connection: PostgresConnection
    ) async throws -> Batch {
        let last = bound ?? EventCheckpoint(tx: UInt64(Int64.max), position: Int64.max)
        // The text form of tx is named tx_text: an output column called tx would win
        // over the table's column in ORDER BY and sort "1092" before "821".
        let wanted = types?.names ?? []
        let all = types == nil
        // Events below the horizon form a prefix of the log in (tx, position) order, so
        // the batch is the first `limit` of them. One more row, with no event in it, says
        // whether anything after them is held back above the horizon: the rows of an open
        // transaction's wake are never fetched, however many wait.
        let rows = try await connection.query(
            """
            WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
            batch AS (
                SELECT e.position, e.tx, e.type, e.aggregate_type, e.aggregate_id,
                       CASE WHEN \(all) OR e.type = ANY(\(wanted)) THEN COALESCE(\(unescaped: payloadSQL ?? "payload::text"), '') END AS payload,
                       CASE WHEN \(all) OR e.type = ANY(\(wanted)) THEN e.metadata::text END AS metadata,
                       e.recorded_at
                  FROM events e, horizon h
                 WHERE (e.tx, e.position) > (\(String(checkpoint.tx))::xid8, \(checkpoint.position))
                   AND (e.tx, e.position) <= (\(String(last.tx))::xid8, \(last.position))
                   AND e.tx < h.xmin
                 ORDER BY e.tx, e.position
                 LIMIT \(limit)
            )
            SELECT position, tx::text AS tx_text, type, aggregate_type, aggregate_id, payload, metadata, recorded_at, visible
              FROM (SELECT b.*, true AS visible FROM batch b
                    UNION ALL
                    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false
                      FROM horizon h
                     WHERE EXISTS (
                           SELECT 1 FROM events e
                            WHERE e.tx >= h.xmin
                              AND (e.tx, e.position) > (\(String(checkpoint.tx))::xid8, \(checkpoint.position))
                              AND (e.tx, e.position) <= (\(String(last.tx))::xid8, \(last.position)))) r
             ORDER BY visible DESC, tx, position
            """,
            logger: logger
        )
        var batch = Batch(events: [], end: nil, scanned: 0)
        var returned = 0
        for try await (position, txText, type, aggregateType, aggregateID, payload, metadata, recordedAt, visible)
            in rows.decode((Int64?, String?, String?, String?, String?, String?, String?, Date?, Bool).self)
        {
            guard visible, let position, let txText, let type, let aggregateType, let aggregateID, let recordedAt else {
                batch.heldBack = true
                continue
            }
            returned += 1
            let tx = try parseTransactionID(txText)
            batch.scanned += 1
            batch.end = EventCheckpoint(tx: tx, position: position)
            if let payload, let metadata {
                batch.events.append(
                    RecordedEvent(
                        position: position, tx: tx, type: EventType(rawValue: type), aggregateType: aggregateType,
                        aggregateID: aggregateID, payload: payload, metadata: metadata, recordedAt: recordedAt
                    )
                )
            }
        }
        // Held back only counts when the batch reached the horizon: a full batch reads on.
        if returned == limit { batch.heldBack = false }
        batch.isLast = batch.heldBack || returned < limit
        return batch
    }

    /// The last event below the horizon: where a reader that has read everything stands.
    public func head(on connection: PostgresConnection) async throws -> EventCheckpoint {
        let rows = try await connection.query(
            """
            SELECT tx::text AS tx_text, position FROM events
             WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY tx DESC, position DESC
             LIMIT 1
            """,
            logger: logger
        )
        for try await (txText, position) in rows.decode((String, Int64).self) {
            return EventCheckpoint(tx: try parseTransactionID(txText), position: position)
        }
        return .start
    }
}

/// An `xid8` read as text (PostgresNIO has no binary decoder for it).
struct TransactionIDFormatError: Error, CustomStringConvertible {
    var text: String
    var description: String { "'\(text)' is not a transaction id" }
}

func parseTransactionID(_ text: String) throws -> UInt64 {
    guard let value = UInt64(text) else { throw TransactionIDFormatError(text: text) }
    return value
}
