// Reading and acknowledging the notifications the notifications projector raised.
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
             WHERE (\(status)::text IS NULL OR n.status = \(status)) AND n.id > \(after)
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

    /// Marks a notification acknowledged by `actor` (once: acknowledging again changes
    /// nothing) and returns it; `nil` when there is no such notification.
    public static func acknowledge(_ id: Int64, by actor: String, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            """
            WITH acknowledged AS (
                UPDATE notifications
                   SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = \(actor)
                 WHERE id = \(id) AND status = 'open'
                RETURNING *
            )
            SELECT \(unescaped: json)::text FROM acknowledged n
             UNION ALL
            -- Already acknowledged: the main query sees the row as it was.
            SELECT \(unescaped: json)::text FROM notifications n
             WHERE n.id = \(id) AND NOT EXISTS (SELECT FROM acknowledged)
            """,
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        return nil
    }

    private static let json = """
        jsonb_build_object(
            'id', n.id, 'kind', n.kind, 'productId', n.product_id, 'warehouseId', n.warehouse_id, 'batchId', n.batch_id,
            'message', n.message, 'details', n.details, 'status', n.status, 'raisedAt', n.raised_at,
            'acknowledgedAt', n.acknowledged_at, 'acknowledgedBy', n.acknowledged_by)
        """
}
