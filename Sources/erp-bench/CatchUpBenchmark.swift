// How fast one runner drains a backlog.
import ERPEvents
import ERPStore
import Logging
import PostgresNIO

/// A runner with a minimal projector (one counter UPDATE per batch) catches up from
/// the start of the log over a backlog written beforehand.
struct CatchUpBenchmark {
    static let projectorName = "bench_catch_up"

    struct Incomplete: Error, CustomStringConvertible {
        var applied: Int
        var expected: Int
        var description: String { "catch-up applied \(applied) of \(expected) events" }
    }

    let database: Database
    let logger: Logger

    /// Inserts `count` backlog rows, 10,000 per transaction; each row's trigger records an event.
    static func writeBacklog(_ count: Int, database: Database, logger: Logger) async throws {
        try await database.withConnection(as: "erp-bench-backlog") { connection in
            var written = 0
            while written < count {
                let chunk = min(10_000, count - written)
                try await connection.query(
                    "INSERT INTO bench_backlog (note) SELECT 'backlog' FROM generate_series(1, \(chunk))",
                    logger: logger)
                written += chunk
                progress("  \(written)/\(count) backlog events written")
            }
        }
    }

    /// Events per second, from an empty checkpoint until all `expected` backlog events were applied.
    func run(expecting expected: Int) async throws -> Double {
        try await database.withConnection(as: "erp-bench") { connection in
            try await connection.query(
                "DELETE FROM projector_checkpoints WHERE name = \(Self.projectorName)", logger: logger)
            try await connection.query("UPDATE bench_counter SET events = 0", logger: logger)
        }
        let runner = ProjectorRunner(projector: CountingProjector(), database: database, logger: logger)
        return try await database.withConnection(as: "erp-bench-runner") { connection in
            guard try await runner.tryToBecomeActive(on: connection) else {
                throw Incomplete(applied: 0, expected: expected)
            }
            let clock = ContinuousClock()
            let start = clock.now
            var applied = 0
            while applied < expected {
                let count = try await runner.catchUp(on: connection).applied
                guard count > 0 else { break }
                applied += count
            }
            let elapsed = start.duration(to: clock.now)
            guard applied == expected else { throw Incomplete(applied: applied, expected: expected) }
            return Double(applied) / elapsed.inSeconds
        }
    }
}

/// Counts backlog events: the least a real projector does (one statement per batch).
struct CountingProjector: Projector {
    var name: String { CatchUpBenchmark.projectorName }
    var eventTypes: Set<EventType>? { [EventType("bench.backlog_added")] }

    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        try await transaction.query("UPDATE bench_counter SET events = events + \(events.count)", logger: logger)
    }
}
