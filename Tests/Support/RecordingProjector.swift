// A projector that writes down every event it applies, so tests can count them.
import ERPApp
public import ERPEvents
import ERPKernel
import ERPPlatform
import Inventory
public import Logging
import MasterData
import Notifications
public import PostgresNIO
import Purchasing

/// A projector that writes down every event it applies in `projection_log`, so tests can count them.
public struct RecordingProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name: String
    /// The types it consumes; every type when `nil`.
    public var eventTypes: Set<EventType>? = nil
    /// Events whose payload contains this text make the projector throw.
    public var poison: String? = nil

    /// A projector named `name` of `eventTypes` (every type when `nil`).
    public init(name: String, eventTypes: Set<EventType>? = nil, poison: String? = nil) {
        self.name = name
        self.eventTypes = eventTypes
        self.poison = poison
    }

    /// The projector met its poison.
    public struct Poisoned: Error, CustomStringConvertible {
        /// The poisoned event's position.
        public var position: Int64
        /// Says where.
        public var description: String { "poisoned event at \(position)" }
    }

    /// Applies a batch of events, in log order, to the read model.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        if let poison, let bad = events.first(where: { $0.payload.contains(poison) }) {
            throw Poisoned(position: bad.position)
        }
        try await transaction.query(
            """
            INSERT INTO projection_log (projector, position, tx)
            SELECT \(name), p, t::xid8 FROM unnest(\(events.map(\.position))::bigint[], \(events.map { String($0.tx) })::text[]) AS u(p, t)
            """,
            logger: logger
        )
    }
}
