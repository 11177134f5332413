import ERPApp
// Replay throughput of the stock levels projector over a seeded stock history, beside
// the same totals computed by one set-based SQL statement.
import ERPEvents
import ERPPlatform
import ERPStore
import Foundation
import Inventory
import Logging
import PostgresNIO
import Purchasing

struct ReplayBenchmark {
    let database: Database
    let logger: Logger

    /// Writes a stock history of at least `events` events through the write tables and triggers.
    func seed(_ events: Int) async throws -> Int {
        try await database.withConnection(as: "erp-bench-seed") { connection in
            var shown = 0
            return try await StockHistorySeeder(logger: logger).seed(events: events, on: connection) { written in
                if written - shown >= 100_000 {
                    shown = written
                    progress("seeded \(written) events")
                }
            }
        }
    }

    /// `erp replay stock_levels`, start to swap: events scanned per second.
    func replay() async throws -> Double {
        guard let projector = Modules.list().projectors().first(where: { $0.name == "stock_levels" }) else {
            throw NoStockLevels()
        }
        let outcome = try await ProjectionReplay(projector: projector, database: database, logger: logger).run(
            dryRun: false)
        return Double(outcome.events) / outcome.seconds
    }

    /// The ceiling: on hand per product × warehouse × batch from every movement event in
    /// one INSERT … SELECT … GROUP BY (no value, no order, no checkpoint): events per second.
    func setBasedCeiling() async throws -> Double {
        try await database.withConnection(as: "erp-bench-sql") { connection in
            let events = try await connection.value("SELECT count(*) FROM events", as: Int64.self, logger: logger) ?? 0
            try await connection.query("DROP TABLE IF EXISTS bench_on_hand", logger: logger)
            try await connection.query(
                "CREATE UNLOGGED TABLE bench_on_hand (product_id bigint, warehouse_id bigint, batch_id bigint, on_hand bigint)",
                logger: logger
            )
            let started = ContinuousClock.now
            try await connection.query(
                """
                INSERT INTO bench_on_hand
                SELECT (m ->> 'productId')::bigint, (m ->> 'warehouseId')::bigint, (m ->> 'batchId')::bigint, sum((m ->> 'quantity')::bigint)
                  FROM events e, jsonb_array_elements(e.payload -> 'movements') m
                 GROUP BY 1, 2, 3
                """,
                logger: logger
            )
            let elapsed = ContinuousClock.now - started
            try await connection.query("DROP TABLE bench_on_hand", logger: logger)
            return Double(events) / elapsed.inSeconds
        }
    }
}

/// The build has no `stock_levels` projector to replay.
struct NoStockLevels: Error, CustomStringConvertible {
    var description: String { "this build has no stock_levels projector" }
}
