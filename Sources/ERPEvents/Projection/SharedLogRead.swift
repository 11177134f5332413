// One read of the log per wake-up for every projector of a pipeline that stands at the
// same checkpoint.
import ERPStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Reads the log once for all the runners of an ``EventPipeline``.
///
/// Each projector wants its own event types, with its own payload expression
/// (``Projector/payloadSQL``). One query returns a payload column per projector, and
/// the runners that ask for the batch after the same checkpoint share its answer, so a
/// wake-up costs one log query however many projectors have nothing to do. Each runner
/// still applies in its own transaction and moves its own checkpoint.
///
/// A batch answers for the log as its query's snapshot saw it. Every wake-up first
/// advances ``generation``; a runner takes only a batch whose query began in the
/// generation it woke in or later, which started after the commit it was woken for.
final class SharedLogRead: Sendable {
    /// What one projector reads: its types and payload expression.
    struct Column: Sendable {
        var types: Set<EventType>?
        var payloadSQL: String?
    }

    /// A batch for every column: the events of all of them, each with its columns' payloads.
    struct Rows: Sendable {
        struct Row: Sendable {
            var position: Int64
            var tx: UInt64
            var type: EventType
            var aggregateType: String
            var aggregateID: String
            /// One per column; `nil` where the column does not want the event.
            var payloads: [String?]
            var metadata: String?
            var recordedAt: Date
        }

        var rows: [Row]
        var end: EventCheckpoint?
        var heldBack: Bool
        var isLast: Bool

        /// The batch as `column`'s projector sees it.
        func batch(for column: Int) -> EventReader.Batch {
            var batch = EventReader.Batch(events: [], end: end, scanned: rows.count, heldBack: heldBack, isLast: isLast)
            for row in rows {
                guard let payload = row.payloads[column], let metadata = row.metadata else { continue }
                batch.events.append(
                    RecordedEvent(
                        position: row.position, tx: row.tx, type: row.type, aggregateType: row.aggregateType,
                        aggregateID: row.aggregateID, payload: payload, metadata: metadata, recordedAt: row.recordedAt))
            }
            return batch
        }
    }

    private struct Key: Hashable {
        var checkpoint: EventCheckpoint
        var limit: Int
    }

    private struct Entry {
        var generation: Int
        var sequence: Int
        var connection: ObjectIdentifier
        var read: Task<Rows, any Error>
        /// How many runners took it: once every one has, nobody asks again.
        var taken = 0
    }

    /// Batches kept at most, the oldest dropped first. Runners woken together stand at
    /// one checkpoint, so one batch serves them all; in a catch-up through a long log
    /// the quicker runners move ahead, and one that falls more than a batch behind
    /// reads for itself rather than have every batch kept for it (`erp serve` starting
    /// on a long log held 35 MiB more when each runner's batches were kept).
    private let capacity = 2

    let columns: [Column]
    private let logger: Logger
    private let current = Atomic<Int>(0)
    private let entries = Mutex<(byKey: [Key: Entry], started: Int)>(([:], 0))
    private let queries = Atomic<Int>(0)

    /// Creates the shared read of `columns`, one per runner.
    init(columns: [Column], logger: Logger) {
        self.columns = columns
        self.logger = logger
    }

    /// The current wake-up's number.
    var generation: Int { current.load(ordering: .acquiring) }

    /// Starts a new wake-up: batches read before it are not handed to runners woken by it.
    func advance() {
        current.add(1, ordering: .releasing)
    }

    /// Starts a new wake-up unless one at `generation` or later has begun: runners that
    /// look again after the batch of one generation share the next read.
    func advance(toAtLeast generation: Int) {
        var seen = current.load(ordering: .acquiring)
        while seen < generation {
            let (exchanged, original) = current.compareExchange(
                expected: seen, desired: generation, ordering: .acquiringAndReleasing)
            if exchanged { return }
            seen = original
        }
    }

    /// How many log queries it has run: what a test compares with the wake-ups.
    var queriesRun: Int { queries.load(ordering: .relaxed) }

    /// The batch after `checkpoint` for `column`, from a query that began in `generation`
    /// or later: one that another runner started, or a new one on `connection`; with the
    /// generation that query began in.
    ///
    /// - Throws: What the query on `connection` threw; a failure of another runner's
    ///   query (its connection closed) means reading on `connection` instead.
    func read(
        for column: Int, after checkpoint: EventCheckpoint, limit: Int, generation: Int,
        on connection: PostgresConnection
    ) async throws -> (batch: EventReader.Batch, generation: Int) {
        let key = Key(checkpoint: checkpoint, limit: limit)
        let mine = ObjectIdentifier(connection)
        let (entry, started) = entries.withLock { entries in
            if var entry = entries.byKey[key], entry.generation >= generation {
                entry.taken += 1
                entries.byKey[key] = entry.taken >= columns.count ? nil : entry
                return (entry, false)
            }
            // Batches of earlier wake-ups go, and the oldest beyond the capacity.
            let now = self.generation
            entries.byKey = entries.byKey.filter { $0.value.generation >= now - 1 }
            while entries.byKey.count >= capacity,
                let oldest = entries.byKey.min(by: { $0.value.sequence < $1.value.sequence })
            {
                entries.byKey[oldest.key] = nil
            }
            entries.started += 1
            let entry = Entry(
                generation: now, sequence: entries.started, connection: mine,
                read: Task { [self] in
                    // Through untilClosed: a closed connection ends the read for every
                    // runner waiting on it, instead of leaving them waiting for ever.
                    try await connection.untilClosed { [self] in
                        try await query(after: checkpoint, limit: limit, on: $0)
                    }
                }, taken: 1)
            if columns.count > 1 { entries.byKey[key] = entry }
            return (entry, true)
        }
        if started { queries.add(1, ordering: .relaxed) }
        do {
            return (try await entry.read.value.batch(for: column), entry.generation)
        } catch  where entry.connection != mine {
            entries.withLock { entries in
                if entries.byKey[key]?.sequence == entry.sequence { entries.byKey[key] = nil }
            }
            return try await read(for: column, after: checkpoint, limit: limit, generation: generation, on: connection)
        }
    }

    /// Up to `limit` events after `checkpoint` with each column's payload, and whether
    /// what follows is held back (the reasoning of ``EventReader/read(after:types:limit:through:payloadSQL:on:)``).
    private func query(after checkpoint: EventCheckpoint, limit: Int, on connection: PostgresConnection) async throws
        -> Rows
    {
        var binds = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let tx = bind(String(checkpoint.tx))
        let position = bind(checkpoint.position)
        var wanted: [String] = []
        var payloads: [String] = []
        for column in columns {
            let condition = column.types.map { "e.type = ANY(\(bind($0.names))::text[])" } ?? "true"
            wanted.append(condition)
            payloads.append(
                "CASE WHEN \(condition) THEN COALESCE(\(column.payloadSQL ?? "payload::text"), '') END")
        }
        let anyWanted = wanted.contains("true") ? "true" : wanted.joined(separator: " OR ")
        let sql = """
            WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
            batch AS (
                SELECT e.position, e.tx, e.type, e.aggregate_type, e.aggregate_id, e.recorded_at,
                       CASE WHEN \(anyWanted) THEN e.metadata::text END AS metadata,
                       \(payloads.enumerated().map { "\($0.element) AS p\($0.offset)" }.joined(separator: ",\n       "))
                  FROM events e, horizon h
                 WHERE (e.tx, e.position) > (\(tx)::xid8, \(position)) AND e.tx < h.xmin
                 ORDER BY e.tx, e.position
                 LIMIT \(limit)
            )
            SELECT visible, position, tx::text AS tx_text, type, aggregate_type, aggregate_id, recorded_at, metadata,
                   \(columns.indices.map { "p\($0)" }.joined(separator: ", "))
              FROM (SELECT true AS visible, b.* FROM batch b
                    UNION ALL
                    SELECT false, NULL, NULL, NULL, NULL, NULL, NULL, NULL\(String(repeating: ", NULL", count: columns.count))
                      FROM horizon h
                     WHERE EXISTS (SELECT 1 FROM events e
                                    WHERE e.tx >= h.xmin AND (e.tx, e.position) > (\(tx)::xid8, \(position)))) r
             ORDER BY visible DESC, tx, position
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        var result = Rows(rows: [], end: nil, heldBack: false, isLast: false)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            guard try cells[0].decode(Bool.self) else {
                result.heldBack = true
                continue
            }
            let read = Rows.Row(
                position: try cells[1].decode(Int64.self), tx: try parseTransactionID(try cells[2].decode(String.self)),
                type: EventType(rawValue: try cells[3].decode(String.self)),
                aggregateType: try cells[4].decode(String.self), aggregateID: try cells[5].decode(String.self),
                payloads: try columns.indices.map { try cells[8 + $0].decode(String?.self) },
                metadata: try cells[7].decode(String?.self), recordedAt: try cells[6].decode(Date.self))
            result.end = read.checkpoint
            result.rows.append(read)
        }
        // Held back only counts when the batch reached the horizon: a full batch reads on.
        if result.rows.count == limit { result.heldBack = false }
        result.isLast = result.heldBack || result.rows.count < limit
        return result
    }
}

extension SharedLogRead.Rows.Row {
    var checkpoint: EventCheckpoint { EventCheckpoint(tx: tx, position: position) }
}
