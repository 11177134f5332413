// Shared fixtures: replays, webhooks, a seeded generator, a pool.
import ERPApp
public import ERPEvents
import ERPStore
import Foundation
public import PostgresNIO

/// What several suites share.
public enum Fixtures {
    /// The webhook signing secret the delivery tests configure.
    public static let webhookSecret = "test-webhook-secret-0123456789"

    /// Replays `projector` on the test's database.
    public static func replay(
        _ test: TestDatabase, _ projector: any Projector, dryRun: Bool = false, batchSize: Int = 500
    ) async throws -> ProjectionReplay.Outcome {
        try await ProjectionReplay(
            projector: projector, database: test.database, configuration: .init(batchSize: batchSize),
            logger: test.logger
        )
        .run(dryRun: dryRun)
    }

    /// Inserts a notification straight into the read model, which enqueues its delivery.
    public static func raiseNotification(_ test: TestDatabase, subject: String = "below_reorder:1:1:1") async throws {
        try await test.execute(
            """
            INSERT INTO notifications (kind, subject, product_id, warehouse_id, message, raised_at)
            VALUES ('below_reorder', '\(subject)', 1, 1, 'test notification', now())
            """
        )
    }
}

/// SplitMix64: a seeded generator, so a failing workload can be run again.
public struct SeededGenerator: RandomNumberGenerator {
    /// The state; any value seeds it.
    public var state: UInt64

    /// A generator from `state`.
    public init(state: UInt64) {
        self.state = state
    }

    /// The next value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension TestDatabase {
    /// Runs `body` with a connection pool on this test's database, as handlers use.
    public func withPool<Result: Sendable>(_ body: (PostgresClient) async throws -> Result) async throws -> Result {
        let client = PostgresClient(configuration: configuration.clientConfiguration(maximumConnections: 4))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
