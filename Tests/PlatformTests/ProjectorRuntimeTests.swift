import ERPApp
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
import Testing

@testable import ERPEvents

@Suite struct ProjectorRuntimeTests {
    static func insertEvent(_ test: TestDatabase, payload: String = "{}", on connection: PostgresConnection? = nil)
        async throws
    {
        let query: PostgresQuery =
            "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.happened', 't', '1', \(payload)::jsonb)"
        if let connection {
            try await connection.query(query, logger: test.logger)
        } else {
            _ = try await test.withConnection { try await $0.query(query, logger: test.logger) }
        }
    }

    static func applied(_ test: TestDatabase, by projector: String) async throws -> (total: Int, distinct: Int) {
        try await test.withConnection { connection in
            let rows = try await connection.query(
                "SELECT count(*), count(DISTINCT position) FROM projection_log WHERE projector = \(projector)",
                logger: test.logger
            )
            for try await (total, distinct) in rows.decode((Int, Int).self) { return (total, distinct) }
            return (0, 0)
        }
    }

    static func eventCount(_ test: TestDatabase) async throws -> Int {
        try await test.scalar("SELECT count(*) FROM events", as: Int.self)
    }

    /// Catches up until `expected` events were applied in all. Other tests share the
    /// cluster, and their open transactions hold the horizon back for a moment.
    /// Catches up until nothing is held back (other tests' transactions hold the
    /// cluster-wide horizon now and then) and returns how many events were applied.
    static func catchUpFully(_ runner: ProjectorRunner, on connection: PostgresConnection) async throws -> Int {
        var applied = 0
        try await eventually("caught up") {
            let outcome = try await runner.catchUp(on: connection)
            applied += outcome.applied
            return outcome == .caughtUp(applied: outcome.applied)
        }
        return applied
    }

    static func catchUp(_ runner: ProjectorRunner, on connection: PostgresConnection, until expected: Int) async throws
        -> Int
    {
        var applied = 0
        // Other tests' transactions (CREATE DATABASE among them) can hold the horizon back.
        try await eventually(timeout: .seconds(60), "\(expected) events applied") {
            applied += try await runner.catchUp(on: connection).applied
            return applied >= expected
        }
        return applied
    }

    @Test func aProjectorSkipsOtherTypesWithoutTransactionsAndLosesNothingAcrossARestart() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            let wanted = RecordingProjector(name: "picky", eventTypes: [EventType("test.wanted")])
            func write(_ types: [String]) async throws {
                try await test.withConnection { connection in
                    for type in types {
                        try await connection.query(
                            "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES (\(type), 't', '1', '{}')",
                            logger: test.logger
                        )
                    }
                }
            }
            func stored() async throws -> Int64 {
                try await test.scalar("SELECT position FROM projector_checkpoints WHERE name = 'picky'", as: Int64.self)
            }
            try await write(
                Array(repeating: "test.other", count: 3) + ["test.wanted"] + Array(repeating: "test.other", count: 30))
            let wantedAt = try await test.scalar(
                "SELECT position FROM events WHERE type = 'test.wanted'", as: Int64.self)
            try await test.withConnection { connection in
                let patient = ProjectorRunner.Configuration(batchSize: 7, skippedCheckpointInterval: .seconds(3600))
                let runner = ProjectorRunner(
                    projector: wanted, database: test.database, configuration: patient, logger: test.logger)
                #expect(try await runner.tryToBecomeActive(on: connection))
                #expect(try await Self.catchUpFully(runner, on: connection) == 1)
                try await write(Array(repeating: "test.other", count: 10))
                #expect(try await Self.catchUpFully(runner, on: connection) == 0)
                // Stored up to the applied batch (the wanted event and the six after it),
                // not through the other types read since.
                #expect(try await stored() < wantedAt + 7)
            }
            // A fresh runner (a restart forgets the skipped stretch) reads it again, applies
            // only what is new, and stores how far it got.
            try await write(["test.other", "test.wanted", "test.other"])
            try await test.withConnection { connection async throws in
                let eager = ProjectorRunner.Configuration(skippedCheckpointInterval: .zero)
                let runner = ProjectorRunner(
                    projector: wanted, database: test.database, configuration: eager, logger: test.logger)
                #expect(try await runner.tryToBecomeActive(on: connection))
                #expect(try await Self.catchUpFully(runner, on: connection) == 1)
            }
            #expect(try await stored() == test.scalar("SELECT max(position) FROM events", as: Int64.self))
            let applied = try await Self.applied(test, by: "picky")
            #expect(applied.total == 2 && applied.distinct == 2)
        }
    }

    @Test func aLateCommitIsAppliedOnceAndTheCheckpointWaitsForIt() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            let runner = ProjectorRunner(
                projector: RecordingProjector(name: "recorder"), database: test.database, logger: test.logger)
            // Connections closed however the test ends: one left open fails a debug build's assertion.
            try await test.database.withConnection(as: "runner") { connection in
                #expect(try await runner.tryToBecomeActive(on: connection))

                try await test.database.withConnection(as: "t1") { t1 in
                    try await t1.query("BEGIN", logger: test.logger)
                    try await Self.insertEvent(test, payload: #"{"by":"t1"}"#, on: t1)
                    try await Self.insertEvent(test, payload: #"{"by":"t2"}"#)

                    #expect(try await runner.catchUp(on: connection) == .heldBack(applied: 0))
                    let whileOpen = try await test.scalar(
                        "SELECT position FROM projector_checkpoints WHERE name = 'recorder'", as: Int64.self)
                    #expect(whileOpen == 0)

                    try await t1.query("COMMIT", logger: test.logger)
                }
                #expect(try await Self.catchUp(runner, on: connection, until: 2) == 2)
                // Other tests' transactions may hold the horizon back for a while.
                try await eventually(timeout: .seconds(60), "caught up") {
                    try await runner.catchUp(on: connection) == .caughtUp(applied: 0)
                }

                let order = try await test.withConnection { connection in
                    let rows = try await connection.query(
                        "SELECT e.payload ->> 'by' FROM projection_log l JOIN events e USING (position) ORDER BY l.tx, l.position",
                        logger: test.logger
                    )
                    return try await rows.decode(String.self).reduce(into: [String]()) { $0.append($1) }
                }
                #expect(order == ["t1", "t2"])
                #expect(try await Self.applied(test, by: "recorder") == (2, 2))
            }
        }
    }

    /// An open transaction that writes no event holds a committed event back; when it
    /// ends there is no notification, yet the runner applies the event long before its
    /// next safety poll.
    @Test func anEventHeldBackByATransactionWithoutEventsIsAppliedSoonAfterItEnds() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            let pipeline = EventPipeline(
                projectors: [RecordingProjector(name: "recorder")], database: test.database,
                configuration: .init(pollInterval: .seconds(3600)), logger: test.logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                try await eventually("the runner is active") { pipeline.runners[0].isActive }
                try await test.database.withConnection(as: "holder") { holder in
                    try await holder.query("BEGIN", logger: test.logger)
                    try await holder.query("SELECT pg_current_xact_id()", logger: test.logger)
                    try await Self.insertEvent(test)
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await Self.applied(test, by: "recorder").total == 0)
                    try await holder.query("COMMIT", logger: test.logger)
                }
                // Long before the hour-long poll. Not seconds: the horizon is cluster-wide,
                // and other tests' CREATE DATABASE (which holds an xid for seconds each,
                // longer when many run at once) holds it back too.
                try await eventually(timeout: .seconds(60), "the held-back event applied") {
                    try await Self.applied(test, by: "recorder").total == 1
                }
                group.cancelAll()
            }
        }
    }

    @Test func aRolledBackWriteLeavesAHoleThatNothingWaitsFor() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            try await Self.insertEvent(test)
            try await test.withConnection { connection in
                try await connection.query("BEGIN", logger: test.logger)
                for _ in 0..<3 { try await Self.insertEvent(test, on: connection) }
                try await connection.query("ROLLBACK", logger: test.logger)
            }
            try await Self.insertEvent(test)
            let positions = try await test.scalar(
                "SELECT array_agg(position ORDER BY position) FROM events", as: [Int64].self)
            #expect(positions == [1, 5])

            let runner = ProjectorRunner(
                projector: RecordingProjector(name: "recorder"), database: test.database, logger: test.logger)
            let applied = try await test.withConnection { connection in
                #expect(try await runner.tryToBecomeActive(on: connection))
                return try await Self.catchUp(runner, on: connection, until: 2)
            }
            #expect(applied == 2)
            let status = try await test.withConnection {
                try await ProjectionControl(projectors: [RecordingProjector(name: "recorder")], logger: test.logger)
                    .status(on: $0)
            }
            #expect(status.first?.checkpoint.position == 5)
            #expect(status.first?.lagEvents == 0)
            #expect(status.first?.state == "running")
        }
    }

    @Test func theListenerReconnectsAfterItsBackendIsTerminatedAndMissesNothing() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            // The production poll interval: other tests' open transactions hold the shared
            // cluster's horizon back, and only a poll notices when it moves on.
            let pipeline = EventPipeline(
                projectors: [RecordingProjector(name: "recorder")], database: test.database,
                configuration: .init(pollInterval: .seconds(1), runner: .init(batchSize: 50)), logger: test.logger
            )
            let transactions = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                try await eventually("listener connected") { pipeline.listener.isConnected }
                try await test.withConnection { writer in
                    for index in 0..<transactions {
                        try await writer.withTransaction(logger: test.logger) { tx in
                            for _ in 0..<5 { try await Self.insertEvent(test, on: tx) }
                        }
                        if index == transactions / 2 {
                            let terminated = try await test.scalar(
                                """
                                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                                 WHERE application_name = 'erp-listener:erp_events' AND datname = current_database()
                                """,
                                as: Int.self
                            )
                            #expect(terminated == 1)
                        }
                    }
                }
                try await eventually("every event applied") {
                    try await Self.applied(test, by: "recorder").distinct == transactions * 5
                }
                #expect(pipeline.listener.connections == 2)
                group.cancelAll()
            }
            #expect(try await Self.applied(test, by: "recorder") == (transactions * 5, transactions * 5))
        }
    }

    @Test func twoRunnersOfOneProjectorApplyEachEventOnceAndTheStandbyTakesOver() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            let configuration = EventPipeline.Configuration(
                pollInterval: .milliseconds(20), runner: .init(batchSize: 7))
            let first = EventPipeline(
                projectors: [RecordingProjector(name: "recorder")], database: test.database,
                configuration: configuration, logger: test.logger)
            let second = EventPipeline(
                projectors: [RecordingProjector(name: "recorder")], database: test.database,
                configuration: configuration, logger: test.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await first.run() }
                group.addTask { try await second.run() }
                for round in 0..<2 {
                    try await test.withConnection { writer in
                        for _ in 0..<300 { try await Self.insertEvent(test, on: writer) }
                    }
                    if round == 0 {
                        // Stop whichever runner is active: the standby must take over.
                        try await eventually("one runner is active") {
                            first.runners[0].isActive != second.runners[0].isActive
                        }
                        let active = first.runners[0].isActive ? first : second
                        let standby = first.runners[0].isActive ? second : first
                        active.runners[0].wakeUp.finish()
                        try await eventually("the standby takes over") { standby.runners[0].isActive }
                    }
                }
                try await eventually("every event applied") {
                    try await Self.applied(test, by: "recorder").distinct == 600
                }
                group.cancelAll()
            }
            let applied = try await Self.applied(test, by: "recorder")
            #expect(applied.total == 600 && applied.distinct == 600, "\(applied)")
        }
    }

    @Test func oneLogReadServesEveryProjectorAtTheSameCheckpointButNeverOneFromBeforeItsWakeUp() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            let pipeline = EventPipeline(
                projectors: (1...6).map { RecordingProjector(name: "p\($0)", eventTypes: [EventType("test.t\($0)")]) },
                database: test.database, logger: test.logger)
            func write(_ type: String) async throws {
                _ = try await test.withConnection {
                    try await $0.query(
                        "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES (\(type), 't', '1', '{}')",
                        logger: test.logger)
                }
            }
            for index in 1...6 { try await write("test.t\(index)") }
            var connections: [PostgresConnection] = []
            defer { for connection in connections { Task { try? await connection.close() } } }
            for runner in pipeline.runners {
                let connection = try await test.database.connect(as: "shared-read-test")
                connections.append(connection)
                #expect(try await runner.tryToBecomeActive(on: connection))
            }
            let runners = Array(zip(pipeline.runners, connections))
            /// One wake-up's catch-up by `runners`, in turn: the log queries it took.
            func round(_ runners: ArraySlice<(ProjectorRunner, PostgresConnection)>) async throws -> (
                queries: Int, heldBack: Bool
            ) {
                pipeline.listener.wakeAll()
                let generation = pipeline.shared.generation
                let before = pipeline.sharedLogQueries
                var heldBack = false
                for (runner, connection) in runners {
                    let outcome = try await runner.catchUp(on: connection, generation: generation)
                    if case .heldBack = outcome { heldBack = true }
                }
                return (pipeline.sharedLogQueries - before, heldBack)
            }
            // Other tests' open transactions hold the horizon back now and then: a round
            // is repeated until nothing is held back. Every round is one query for all six.
            try await eventually(timeout: .seconds(60), "all six caught up") {
                let (queries, heldBack) = try await round(runners[...])
                #expect(queries == 1)
                return !heldBack
            }
            for index in 1...6 { #expect(try await Self.applied(test, by: "p\(index)") == (1, 1)) }

            // Three runners read that nothing follows; then an event for the fourth commits
            // and wakes the pipeline. The fourth must not take the batch the three shared.
            try await eventually(timeout: .seconds(60), "nothing held back") {
                !(try await round(runners[0..<3])).heldBack
            }
            try await write("test.t4")
            try await eventually(timeout: .seconds(60), "p4 applies the new event") {
                pipeline.listener.wakeAll()
                let before = pipeline.sharedLogQueries
                _ = try await runners[3].0.catchUp(on: runners[3].1, generation: pipeline.shared.generation)
                #expect(pipeline.sharedLogQueries == before + 1)
                return try await Self.applied(test, by: "p4").distinct == 2
            }
            #expect(try await Self.applied(test, by: "p4") == (2, 2))
        }
    }

    @Test func aFailingProjectorStallsWhileTheOthersKeepUp() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(TestSchema.projectionLog)
            for index in 1...6 {
                try await Self.insertEvent(test, payload: index == 3 ? #"{"note":"POISON"}"# : "{}")
            }
            let pipeline = EventPipeline(
                projectors: [
                    RecordingProjector(name: "fragile", poison: "POISON"), RecordingProjector(name: "steady"),
                ],
                database: test.database,
                configuration: .init(
                    pollInterval: .milliseconds(20), runner: .init(maximumFailures: 3, retryDelay: .milliseconds(5))),
                logger: test.logger
            )
            let control = ProjectionControl(
                projectors: [RecordingProjector(name: "fragile"), RecordingProjector(name: "steady")],
                logger: test.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                try await eventually("fragile stalls") {
                    try await test.withConnection { try await control.status(on: $0) }.first { $0.name == "fragile" }?
                        .state == "stalled"
                }
                try await eventually("steady keeps up") { try await Self.applied(test, by: "steady").distinct == 6 }
                // Events after the stall still reach the healthy projector.
                try await Self.insertEvent(test)
                try await eventually("steady keeps up after the stall") {
                    try await Self.applied(test, by: "steady").distinct == 7
                }

                let statuses = try await test.withConnection { try await control.status(on: $0) }
                let fragile = try #require(statuses.first { $0.name == "fragile" })
                #expect(fragile.failedPosition == 3)
                #expect(fragile.lastError?.contains("poisoned event at 3") == true)
                #expect(fragile.checkpoint.position == 2)
                #expect(fragile.lagEvents == 5)
                #expect(try await Self.applied(test, by: "fragile") == (2, 2))

                // Resume clears the stall; the event still fails, so it stalls again.
                #expect(try await test.withConnection { try await control.resume("fragile", on: $0) })
                try await eventually("fragile retried and stalled again") {
                    let state = try await test.scalar(
                        "SELECT state FROM projector_checkpoints WHERE name = 'fragile'", as: String.self)
                    return state == "stalled"
                }
                await #expect(throws: ProjectionControl.UnknownProjector.self) {
                    try await test.withConnection { try await control.resume("nonexistent", on: $0) }
                }
                group.cancelAll()
            }
        }
    }
}
