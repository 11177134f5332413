// Reads the event log in commit-safe order.
public import Logging
public import PostgresNIO
import Foundation

/// Reads events after a checkpoint, in (tx, position) order, below the visibility horizon.
///
/// `tx < pg_snapshot_xmin(pg_current_snapshot())` keeps out every transaction that
/// might still commit, so an event that shows up later can never sort before one
/// already read. A long-open transaction anywhere in the cluster holds the horizon
/// back; that shows as lag, never as a skipped event.
public struct EventReader: Sendable {
    /// What one read returned.
    public struct Batch: Sendable {
        /// The events of the requested types, in log order.
        public var events: [RecordedEvent]
        /// The last event scanned, of any type: where the reader stands after this batch.
        /// `nil` when nothing new was below the horizon.
        public var end: EventCheckpoint?
        /// How many events were scanned, of any type.
        public var scanned: Int
    }

    let logger: Logger

    /// Creates a reader that logs into `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Reads up to `limit` events after `checkpoint`.
    ///
    /// Events of other types are scanned (so the checkpoint can move past them)
    /// but their payloads are not fetched.
    ///
    /// - Parameters:
    ///   - checkpoint: Where the reader stands.
    ///   - types: The event types to return; `nil` returns every type.
    ///   - limit: How many events to scan at most.
    ///   - connection: A connection that is not inside a transaction that has written.
    public func read(
        after checkpoint: EventCheckpoint,
        types: Set<String>?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> Batch {
        // The text form of tx is named tx_text: an output column called tx would win
        // over the table's column in ORDER BY and sort "1092" before "821".
        let wanted = types.map { Array($0) } ?? []
        let all = types == nil
        let rows = try await connection.query(
            """
            SELECT position, tx::text AS tx_text, type, aggregate_type, aggregate_id,
                   CASE WHEN \(all) OR type = ANY(\(wanted)) THEN payload::text END,
                   CASE WHEN \(all) OR type = ANY(\(wanted)) THEN metadata::text END,
                   recorded_at
              FROM events
             WHERE (tx, position) > (\(String(checkpoint.tx))::xid8, \(checkpoint.position))
               AND tx < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY tx, position
             LIMIT \(limit)
            """,
            logger: logger
        )
        var batch = Batch(events: [], end: nil, scanned: 0)
        for try await (position, txText, type, aggregateType, aggregateID, payload, metadata, recordedAt)
            in rows.decode((Int64, String, String, String, String, String?, String?, Date).self)
        {
            let tx = try parseTransactionID(txText)
            batch.scanned += 1
            batch.end = EventCheckpoint(tx: tx, position: position)
            if let payload, let metadata {
                batch.events.append(
                    RecordedEvent(
                        position: position, tx: tx, type: type, aggregateType: aggregateType,
                        aggregateID: aggregateID, payload: payload, metadata: metadata, recordedAt: recordedAt
                    )
                )
            }
        }
        return batch
    }

    /// Whether committed events exist after `checkpoint`, whatever the horizon.
    ///
    /// Asked after a read that returned nothing: `true` means events wait above the
    /// horizon for an older open transaction (or passed it since the read). That
    /// transaction may end without writing an event, and so without a notification:
    /// a reader that sees `true` should look again soon rather than wait for one.
    public func hasEvents(after checkpoint: EventCheckpoint, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM events WHERE (tx, position) > (\(String(checkpoint.tx))::xid8, \(checkpoint.position))
            )
            """,
            logger: logger
        )
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
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
