// The daily overdue scan: records each B2B invoice past its due date with something
// still outstanding.
public import ERPJobs
import ERPKernel
import ERPStore
public import Logging
public import PostgresNIO

/// `finance.overdue_scan`: records a finding (`invoice_overdue_findings`, event
/// `invoice.overdue_detected`) for each B2B invoice whose due date (invoice date plus
/// the customer's payment terms) is before the business date and on which something is
/// still outstanding (total less credit notes and allocated receipts).
///
/// An invoice is found once, so running the scan again (a retry, the next day) records
/// nothing twice; paying it afterwards does not take the finding back. The notifications
/// module turns each finding into a notification.
public struct OverdueScan: JobHandler, JobDefinition {
    /// `finance.overdue_scan`.
    public static let kind = "finance.overdue_scan"
    /// `default`.
    public static let queue = "default"

    /// The job has no input: it scans as of the business date.
    public struct Payload: Codable, Sendable {
        /// A payload.
        public init() {}
    }

    /// `finance.overdue_scan`.
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
        _ = try job.payload(of: Self.self)
        let found = try await client.withLiveConnection { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                _ = try await CommandContext(actor: "job:\(Self.kind)", requestID: "job-\(job.id)", logger: logger)
                    .apply(to: transaction)
                return try await Self.scan(on: transaction, logger: logger)
            }
        }
        logger.info("overdue scan done", metadata: ["found": "\(found)"])
    }

    /// Records the findings of the business date, in invoice order; returns how many
    /// are new.
    static func scan(on transaction: PostgresConnection, logger: Logger) async throws -> Int {
        try await transaction.value(
            """
            WITH due AS (
                SELECT i.id, i.customer_id, i.invoice_date + c.payment_terms_days AS due_on,
                       i.total_paise
                       - COALESCE((SELECT sum(n.total_paise) FROM credit_notes n WHERE n.invoice_id = i.id), 0)
                       - COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x WHERE x.invoice_id = i.id), 0)
                       AS outstanding
                  FROM invoices i
                  JOIN customers c ON c.id = i.customer_id
                 WHERE i.kind = 'b2b' AND i.invoice_date + c.payment_terms_days < business_date()
                   AND NOT EXISTS (SELECT FROM invoice_overdue_findings f WHERE f.invoice_id = i.id)
            ), found AS (
                INSERT INTO invoice_overdue_findings (invoice_id, customer_id, due_on, outstanding_paise, days_overdue,
                                                      detected_on)
                SELECT id, customer_id, due_on, outstanding, business_date() - due_on, business_date()
                  FROM due
                 WHERE outstanding > 0
                 ORDER BY id
                ON CONFLICT (invoice_id) DO NOTHING
                RETURNING 1
            )
            SELECT count(*)::integer FROM found
            """,
            as: Int.self, logger: logger) ?? 0
    }
}
