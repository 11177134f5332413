// The daily expiry scan: notifications for stock that expires soon or already has.
public import ERPJobs
import ERPKernel
import ERPStore
import Foundation
public import Logging
import MasterData
public import PostgresNIO

/// `inventory.expiry_scan`: raises a `batch_expiring` notification for each batch ×
/// warehouse with stock on hand that expires within the window, and `batch_expired` for
/// expired stock still on hand (it can only leave by an adjustment or a return).
///
/// Each notification's subject names its batch and warehouse, so running the scan again
/// (a retry, a second day) raises nothing twice; a batch that was already flagged when it
/// was received is not flagged again. Each new notification enqueues its delivery.
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

    public func perform(_ job: ClaimedJob, logger: Logger) async throws {
        let payload = try job.payload(of: Self.self)
        guard (0...3650).contains(payload.windowDays) else {
            throw PermanentJobFailure("windowDays must be 0…3650, not \(payload.windowDays)")
        }
        let raised = try await client.withLiveConnection { connection in
            try await connection.rows(
                """
                WITH stock AS (
                    SELECT s.product_id, s.warehouse_id, s.batch_id, s.quantity, b.batch_number, b.expires_on,
                           b.expires_on - business_date() AS days, p.name, p.sku, w.code AS warehouse
                      FROM stock_on_hand s
                      JOIN batches b ON b.id = s.batch_id
                      JOIN products p ON p.id = s.product_id
                      JOIN warehouses w ON w.id = s.warehouse_id
                     WHERE s.quantity > 0 AND b.expires_on <= business_date() + \(payload.windowDays)::integer
                ),
                raised AS (
                    INSERT INTO notifications (kind, subject, product_id, warehouse_id, batch_id, message, details, raised_at)
                    SELECT CASE WHEN days < 0 THEN 'batch_expired' ELSE 'batch_expiring' END,
                           CASE WHEN days < 0 THEN 'batch_expired:' ELSE 'batch_expiring:' END || batch_id || ':' || warehouse_id,
                           product_id, warehouse_id, batch_id,
                           CASE WHEN days < 0
                                THEN format('batch %s of %s (%s) expired on %s; %s still on hand in %s',
                                            batch_number, name, sku, expires_on, quantity, warehouse)
                                ELSE format('batch %s of %s (%s) expires on %s, %s; %s on hand in %s',
                                            batch_number, name, sku, expires_on,
                                            CASE days WHEN 0 THEN 'today' WHEN 1 THEN 'in 1 day' ELSE 'in ' || days || ' days' END,
                                            quantity, warehouse)
                           END,
                           jsonb_build_object('batchNumber', batch_number, 'expiresOn', expires_on, 'quantity', quantity,
                                              'daysLeft', days, 'scan', true),
                           now()
                      FROM stock
                     ORDER BY product_id, warehouse_id, batch_id
                    ON CONFLICT (subject) DO NOTHING
                    RETURNING kind
                )
                SELECT kind, count(*)::integer FROM raised GROUP BY kind ORDER BY kind
                """,
                as: (String, Int).self, logger: logger
            )
        }
        logger.info(
            "expiry scan done",
            metadata: ["windowDays": "\(payload.windowDays)", "raised": "\(Dictionary(uniqueKeysWithValues: raised))"]
        )
    }
}
