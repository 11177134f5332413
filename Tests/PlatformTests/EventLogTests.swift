import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Synchronization
import Testing

@Suite struct EventLogTests {
    @Test func aPostedDocumentIsOneEventHoldingHeaderAndLines() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.documents)
            try await test.withConnection { connection in
                try await connection.withTransaction(logger: test.logger) { tx in
                    try await tx.query(
                        "SELECT set_config('erp.actor', 'user:asha', true), set_config('erp.request_id', 'req-42', true)",
                        logger: test.logger)
                    try await tx.query(
                        "INSERT INTO test_orders (id, customer) VALUES (7, 'Sharma Pharmacy')", logger: test.logger)
                    try await tx.query(
                        "INSERT INTO test_order_lines VALUES (7, 1, 'ARN-30C', 5), (7, 2, 'BEL-200C', 3)",
                        logger: test.logger
                    )
                    try await tx.query("UPDATE test_orders SET status = 'posted' WHERE id = 7", logger: test.logger)
                }
            }
            let events = try await readAll(test, expecting: 1)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.type.rawValue == "test_order.posted")
            #expect(event.aggregateType == "test_order")
            #expect(event.aggregateID == "7")
            struct Document: Decodable {
                struct Line: Decodable { var sku: String; var quantity: Int }
                var customer: String
                var status: String
                var lines: [Line]
            }
            let document = try event.decodePayload(as: Document.self)
            #expect(document.customer == "Sharma Pharmacy")
            #expect(document.status == "posted")
            #expect(document.lines.map(\.sku) == ["ARN-30C", "BEL-200C"])
            struct Metadata: Decodable { var actor: String; var requestId: String? }
            let metadata = try JSONDecoder().decode(Metadata.self, from: Data(event.metadata.utf8))
            #expect(metadata.actor == "user:asha")
            #expect(metadata.requestId == "req-42")
        }
    }

    @Test func aDocumentsEventTriggerCallsItsFunctionByNameNotThroughExecute() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.documents)
            let source = try await test.scalar(
                "SELECT prosrc FROM pg_proc WHERE oid = 'test_order_document_event'::regproc", as: String.self)
            #expect(source.contains("test_order_document(row_json)"))
            #expect(!source.uppercased().contains("EXECUTE"), "\(source)")
        }
    }

    @Test func recordEventRefusesADocumentFunctionArgument() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.documents)
            // The old three-argument form would otherwise record the bare row, silently.
            try await test.execute(
                """
                CREATE TRIGGER test_order_old_form AFTER INSERT ON test_orders FOR EACH ROW
                    EXECUTE FUNCTION record_event('test_order.opened', 'test_order', 'test_order_document')
                """)
            await #expect(throws: (any Error).self) {
                try await test.execute("INSERT INTO test_orders (customer) VALUES ('Sharma Pharmacy')")
            }
            #expect(try await test.scalar("SELECT count(*) FROM test_orders", as: Int64.self) == 0)
            #expect(
                try await test.scalar("SELECT count(*) FROM events WHERE type = 'test_order.opened'", as: Int64.self)
                    == 0)
        }
    }

    @Test func aWriteFromPlainSQLStillNamesItsActor() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.documents)
            try await test.execute("INSERT INTO test_customers (name) VALUES ('Dr. Batra Clinic')")
            let metadata = try await test.scalar("SELECT metadata ->> 'actor' FROM events", as: String.self)
            #expect(metadata == test.configuration.username)
        }
    }

    @Test func oneNotificationPerTransactionHoweverManyRows() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.documents)
            final class Observed: Sendable {
                let notifications = Atomic<Int>(0)
                let listening = Atomic<Bool>(false)
            }
            let observed = Observed()
            try await test.withConnection { listener in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await listener.listen(on: EventReader.channel) { notifications in
                            observed.listening.store(true, ordering: .relaxed)
                            for try await _ in notifications { observed.notifications.add(1, ordering: .relaxed) }
                        }
                    }
                    try await eventually("LISTEN is active") { observed.listening.load(ordering: .relaxed) }
                    try await test.withConnection { writer in
                        try await writer.withTransaction(logger: test.logger) { tx in
                            try await tx.query(
                                "INSERT INTO test_customers (name) SELECT 'c' || g FROM generate_series(1, 50) g",
                                logger: test.logger)
                            try await tx.query(
                                "INSERT INTO test_orders (customer) SELECT 'o' || g FROM generate_series(1, 5) g",
                                logger: test.logger)
                            try await tx.query("UPDATE test_orders SET status = 'posted'", logger: test.logger)
                        }
                        try await writer.query(
                            "INSERT INTO test_customers (name) VALUES ('second transaction')", logger: test.logger)
                    }
                    try await eventually("two notifications") { observed.notifications.load(ordering: .relaxed) >= 2 }
                    try await Task.sleep(for: .milliseconds(300))
                    group.cancelAll()
                }
            }
            #expect(observed.notifications.load(ordering: .relaxed) == 2)
            #expect(try await test.scalar("SELECT count(*) FROM events", as: Int.self) == 56)
        }
    }

    @Test func eventsAreImmutable() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.happened', 't', '1', '{}')"
            )
            for statement in ["UPDATE events SET payload = '{\"x\":1}'", "DELETE FROM events", "TRUNCATE events"] {
                await #expect(throws: PSQLError.self) { try await test.execute(statement) }
            }
            #expect(try await test.scalar("SELECT payload::text FROM events", as: String.self) == "{}")
        }
    }

    @Test func readerNeverPassesAnOpenTransaction() async throws {
        try await TestDatabase.withDatabase { test in
            let reader = EventReader(logger: test.logger)
            let early = try await test.database.connect(as: "early-writer")
            try await early.query("BEGIN", logger: test.logger)
            try await early.query(
                "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.early', 't', '1', '{}')",
                logger: test.logger)
            try await test.execute(
                "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.late', 't', '2', '{}')")
            let whileOpen = try await test.withConnection {
                try await reader.read(after: .start, types: nil, limit: 100, on: $0)
            }
            #expect(whileOpen.scanned == 0)
            try await early.query("COMMIT", logger: test.logger)
            try await early.close()
            let afterCommit = try await readAll(test, expecting: 2)
            #expect(afterCommit.map(\.type.rawValue) == ["test.early", "test.late"])
        }
    }

    /// Transaction ids of every digit count sort as numbers: 9 before 10 before 100, in reads,
    /// one at a time, and at the head. (Sorting them as text skipped events on fresh
    /// clusters, whose ids cross from three digits to four.)
    @Test func theReaderOrdersTransactionIDsAsNumbers() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                """
                INSERT INTO events (tx, type, aggregate_type, aggregate_id, payload) VALUES
                    ('10', 'test.second', 't', '1', '{}'),
                    ('9', 'test.first', 't', '1', '{}'),
                    ('100', 'test.third', 't', '1', '{}')
                """
            )
            let reader = EventReader(logger: test.logger)
            try await test.withConnection { connection in
                let all = try await reader.read(after: .start, types: nil, limit: 10, on: connection)
                #expect(all.events.map(\.type.rawValue) == ["test.first", "test.second", "test.third"])
                #expect(all.end == EventCheckpoint(tx: 100, position: 3))

                var checkpoint = EventCheckpoint.start
                var oneByOne: [String] = []
                while let next = try await reader.read(after: checkpoint, types: nil, limit: 1, on: connection).events
                    .first
                {
                    oneByOne.append(next.type.rawValue)
                    checkpoint = EventCheckpoint(tx: next.tx, position: next.position)
                }
                #expect(oneByOne == ["test.first", "test.second", "test.third"])
                #expect(try await reader.head(on: connection) == EventCheckpoint(tx: 100, position: 3))
            }
        }
    }

    /// Every event below the horizon, once `count` are. Other tests share the cluster,
    /// and their open transactions hold the horizon back for a moment.
    private func readAll(_ test: TestDatabase, expecting count: Int) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        try await eventually("\(count) events below the horizon") {
            events = try await test.withConnection { connection in
                try await EventReader(logger: test.logger).read(
                    after: .start, types: nil, limit: 10_000, on: connection
                ).events
            }
            return events.count >= count
        }
        return events
    }
}
