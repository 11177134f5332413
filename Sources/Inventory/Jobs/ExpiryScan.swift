// The daily expiry scan: records the stock that expires soon or already has.
public import ERPJobs
import ERPKernel
import ERPStore
import Foundation
public import Logging
import MasterData
public import PostgresNIO

/// `inventory.expiry_scan`: records a finding (`batch_expiry_findings`, event
/// `batch.expiry_detected`) for each batch × warehouse with stock on hand that expires
/// within the window (`expiring`), or already has (`expired`: it can only leave by an
/// adjustment or a return).
///
/// A batch × warehouse is found once per kind of finding, so running the scan again (a
/// retry, a second day) records nothing twice. The notifications module turns each
/// finding into a notification; one already raised when the batch was received is not
/// raised again.
public struct ExpiryScan: JobHandler, JobDefinition {
    /// `inventory.expiry_scan`.
    public static let kind = "inventory.expiry_scan"
    /// `default`.
    public static let queue = "default"

    /// The job's input.
    public struct Payload: Codable, Sendable {
        /// Batches expiring within this many days from the business date are flagged.
        public var windowDays: Int

        /// A payload.
        public init(windowDays: Int) {
            self.windowDays = windowDays
        }
    }

    /// `inventory.expiry_scan`.
    public var kind: String { Self.kind }
    /// Five minutes.
    public var timeout: Duration { .seconds(300) }
    let client: PostgresClient

    /// Creates the handler.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// Runs one attempt of the job.
    public func perform(_ job: ClaimedJob, logger: Logger) async throws {
        let payload = try job.payload(of: Self.self)
        guard (0...3650).contains(payload.windowDays) else {
            throw PermanentJobFailure("windowDays must be 0…3650, not \(payload.windowDays)")
        }
        let found = try await client.withLiveConnection { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                _ = try await CommandContext(actor: "job:\(Self.kind)", requestID: "job-\(job.id)", logger: logger)
                    .apply(to: transaction)
                return try await transaction.rows(
                    """
                    WITH found AS (
                        INSERT INTO batch_expiry_findings (batch_id, warehouse_id, finding, quantity, days_left, detected_on, window_days)
                        SELECT s.batch_id, s.warehouse_id,
                               CASE WHEN b.expires_on < business_date() THEN 'expired' ELSE 'expiring' END,
                               s.quantity, b.expires_on - business_date(), business_date(), \(payload.windowDays)::integer
                          FROM stock_on_hand s
                          JOIN batches b ON b.id = s.batch_id
                         WHERE s.quantity > 0 AND b.expires_on <= business_date() + \(payload.windowDays)::integer
                         ORDER BY s.product_id, s.warehouse_id, s.batch_id
                        ON CONFLICT (batch_id, warehouse_id, finding) DO NOTHING
                        RETURNING finding
                    )
                    SELECT finding, count(*)::integer FROM found GROUP BY finding ORDER BY finding
                    """,
                    as: (String, Int).self, logger: logger
                )
            }
        }
        logger.info(
            "expiry scan done",
            metadata: ["windowDays": "\(payload.windowDays)", "found": "\(Dictionary(uniqueKeysWithValues: found))"]
        )
    }
}
