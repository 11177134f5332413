// Reading the notifications the notifications projector raised.
import ERPKernel
import ERPStore
import Inventory
import MasterData
public import PostgresNIO

/// Notifications as JSON.
public enum NotificationQueries {
    /// One page of notifications, newest last, optionally of one status (`open`, `acknowledged`).
    ///
    /// - Returns: The notifications and, when there is more, the last id.
    public static func list(
        status: String?, after: Int64, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> (items: [String], next: Int64?) {
        let rows = try await connection.query(
            """
            SELECT n.id, \(unescaped: json)::text
              FROM notifications n
              LEFT JOIN notification_acknowledgements a ON a.subject = n.subject
             WHERE (\(status)::text IS NULL OR \(unescaped: Self.status) = \(status)) AND n.id > \(after)
             ORDER BY n.id
             LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var found: [(Int64, String)] = []
        for try await row in rows.decode((Int64, String).self) { found.append(row) }
        let shown = found.prefix(limit)
        return (shown.map(\.1), found.count > limit ? shown.last?.0 : nil)
    }

    /// The notification's JSON; `nil` when there is no such notification.
    public static func notification(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws
        -> String?
    {
        try await connection.value(
            """
            SELECT \(unescaped: json)::text
              FROM notifications n
              LEFT JOIN notification_acknowledgements a ON a.subject = n.subject
             WHERE n.id = \(id)
            """,
            as: String.self, logger: logger
        )
    }

    /// An acknowledgement counts as soon as it is recorded, before the projector has
    /// applied its event: a client reads its own acknowledgement back.
    private static let status = "CASE WHEN a.subject IS NULL THEN n.status ELSE 'acknowledged' END"

    private static let json = """
        jsonb_build_object(
            'id', n.id, 'kind', n.kind, 'productId', n.product_id, 'warehouseId', n.warehouse_id, 'batchId', n.batch_id,
            'customerId', n.customer_id, 'invoiceId', n.invoice_id,
            'message', n.message, 'details', n.details, 'status', \(status), 'raisedAt', n.raised_at,
            'acknowledgedAt', COALESCE(n.acknowledged_at, a.acknowledged_at),
            'acknowledgedBy', COALESCE(n.acknowledged_by, a.acknowledged_by))
        """
}
