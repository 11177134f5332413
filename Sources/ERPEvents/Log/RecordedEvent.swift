// One row of the event log, as readers see it.
import ERPStore
public import Foundation

/// An event as stored in the `events` table.
public struct RecordedEvent: Sendable, Hashable {
    /// Position in the log: unique and increasing, but with holes (rolled-back inserts).
    public var position: Int64
    /// The id of the transaction that wrote it; the log is read in (tx, position) order.
    public var tx: UInt64
    /// Dotted event type, e.g. `goods.received`.
    public var type: EventType
    /// What kind of thing the event is about, e.g. `goods_receipt`.
    public var aggregateType: String
    /// Which one of them.
    public var aggregateID: String
    /// The event's data as JSON text.
    public var payload: String
    /// Actor, request id and causation as JSON text.
    public var metadata: String
    /// When the writing transaction started.
    public var recordedAt: Date

    /// Creates an event value; readers build these from rows.
    public init(
        position: Int64, tx: UInt64, type: EventType, aggregateType: String, aggregateID: String,
        payload: String, metadata: String, recordedAt: Date
    ) {
        self.position = position
        self.tx = tx
        self.type = type
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.payload = payload
        self.metadata = metadata
        self.recordedAt = recordedAt
    }

    /// Where a reader stands after consuming this event.
    public var checkpoint: EventCheckpoint { EventCheckpoint(tx: tx, position: position) }

    /// Decodes the payload as `T`.
    ///
    /// - Throws: `DecodingError` when the payload does not have the shape of `T`.
    public func decodePayload<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try Self.decoder.decode(T.self, from: Data(payload.utf8))
    }

    /// Shared: decoding does not change a decoder, and making one per event costs more
    /// than decoding a small payload.
    private static let decoder = PostgresJSON.decoder()
}
