// A runner working through a backlog reads each next batch on a second connection while
// it applies the last; losing that connection only means reading in series.
import ERPStore
import ERPTestSupport
import Logging
import PostgresNIO
import Testing

@testable import ERPEvents

@Suite struct ReadAheadTests {
    /// Records each event as ``RecordingProjector`` does, and per batch how many read-ahead
    /// connections of its own were open while it applied and whether it came prepared;
    /// during the third batch it terminates them.
    struct Watcher: Projector {
        let name: String
        let eventTypes: Set<EventType>? = nil

        func prepare(_ events: [RecordedEvent]) -> (any Sendable)? { events.map(\.position) }

        func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
            try await apply(events, prepared: nil, in: transaction, logger: logger)
        }

        func apply(
            _ events: [RecordedEvent], prepared: (any Sendable)?, in transaction: PostgresConnection, logger: Logger
        ) async throws {
            let preparedRight = (prepared as? [Int64]) == events.map(\.position)
            try await transaction.query(
                """
                INSERT INTO projection_log (projector, position, tx)
                SELECT \(name), p, t::xid8 FROM unnest(\(events.map(\.position))::bigint[], \(events.map { String($0.tx) })::text[]) AS u(p, t)
                """, logger: logger)
            let mine = "\(ReadAhead.applicationName(for: name))%"
            try await transaction.query(
                """
                INSERT INTO read_ahead_seen (first_position, connections, prepared)
                SELECT \(events[0].position), count(*), \(preparedRight) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name LIKE \(mine)
                """, logger: logger)
            if try await transaction.value("SELECT count(*) FROM read_ahead_seen", as: Int.self, logger: logger) == 3 {
                try await transaction.query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name LIKE \(mine)
                    """, logger: logger)
            }
        }
    }

    @Test func aBacklogIsReadAheadOnASecondConnectionAndLosingItOnlyMeansReadingInSeries() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            try await test.execute(
                "CREATE TABLE read_ahead_seen (first_position bigint NOT NULL, connections int NOT NULL, prepared bool NOT NULL)"
            )
            try await test.execute(
                """
                INSERT INTO events (type, aggregate_type, aggregate_id, payload)
                SELECT 'test.happened', 't', n::text, '{}' FROM generate_series(1, 200) n
                """)
            let projector = Watcher(name: "watcher")
            let runner = ProjectorRunner(
                projector: projector, database: test.database, configuration: .init(batchSize: 10),
                logger: test.logger)
            try await test.database.withConnection(as: "runner") { connection async throws in
                #expect(try await runner.tryToBecomeActive(on: connection))
                #expect(try await ProjectorRuntimeTests.catchUp(runner, on: connection, until: 200) == 200)
            }
            #expect(try await ProjectorRuntimeTests.applied(test, by: "watcher") == (200, 200))
            let seen = try await test.withConnection { connection in
                try await connection.rows(
                    "SELECT connections FROM read_ahead_seen ORDER BY first_position", as: Int.self, logger: test.logger
                )
            }
            // Twenty batches; the first three read ahead beside them. The third ended that
            // connection (its backend may take a moment to leave pg_stat_activity), and
            // from the fifth on the batches are read in series.
            #expect(seen.count == 20)
            #expect(Array(seen.prefix(3)) == [1, 1, 1], "\(seen)")
            #expect(seen.dropFirst(4).allSatisfy { $0 == 0 }, "\(seen)")
            // A batch read ahead comes prepared (the projector's work on it done while the
            // one before was applied); the first, and those read in series, do not.
            let prepared = try await test.withConnection { connection in
                try await connection.rows(
                    "SELECT prepared FROM read_ahead_seen ORDER BY first_position", as: Bool.self, logger: test.logger)
            }
            #expect(Array(prepared.prefix(3)) == [false, true, true], "\(prepared)")
            #expect(prepared.dropFirst(5).allSatisfy { !$0 }, "\(prepared)")
            // Nothing is left open once the catch-up ends.
            let open = try await test.scalar(
                """
                SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name LIKE 'erp-read-ahead:%'
                """, as: Int.self)
            #expect(open == 0)
        }
    }
}
