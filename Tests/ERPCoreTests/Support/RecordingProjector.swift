// A projector that writes down every event it applies, so tests can count them.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import Inventory
import Logging
import MasterData
import Notifications
import PostgresNIO
import Purchasing

struct RecordingProjector: Projector {
    let name: String
    var eventTypes: Set<EventType>? = nil
    /// Events whose payload contains this text make the projector throw.
    var poison: String? = nil

    struct Poisoned: Error, CustomStringConvertible {
        var position: Int64
        var description: String { "poisoned event at \(position)" }
    }

    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
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
