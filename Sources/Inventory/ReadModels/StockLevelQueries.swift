// Reading the stock levels read model as the API shows it.
import ERPKernel
import ERPStore
import MasterData
public import PostgresNIO

/// What `GET /stock-levels` asks for.
public struct StockLevelFilter: Sendable {
    /// Only this product.
    public var productID: Int64?
    /// Only this warehouse.
    public var warehouseID: Int64?
    /// Only rows below (true) or at or above (false) their reorder level.
    public var belowReorder: Bool?
    /// Only rows with stock expiring within this many days (expired stock included).
    public var expiringWithinDays: Int?
    /// The (product, warehouse) of the previous page's last row.
    public var after: (product: Int64, warehouse: Int64)
    /// At most this many items.
    public var limit: Int

    /// Creates a value with the given fields.
    public init(
        productID: Int64? = nil, warehouseID: Int64? = nil, belowReorder: Bool? = nil, expiringWithinDays: Int? = nil,
        after: (product: Int64, warehouse: Int64) = (0, 0), limit: Int = 50
    ) {
        self.productID = productID
        self.warehouseID = warehouseID
        self.belowReorder = belowReorder
        self.expiringWithinDays = expiringWithinDays
        self.after = after
        self.limit = limit
    }
}

/// Stock levels as JSON: per product × warehouse with value, reorder flag and expiry
/// windows (counted from today's business date at read time, so they move with the calendar).
public enum StockLevelQueries {
    /// One page of product × warehouse rows, in (product, warehouse) order.
    ///
    /// - Returns: The rows as JSON objects and, when there is more, the last row's key.
    public static func list(
        _ filter: StockLevelFilter, on connection: PostgresConnection, logger: Logger
    ) async throws -> (items: [String], next: (product: Int64, warehouse: Int64)?) {
        let rows = try await connection.query(
            """
            SELECT s.product_id, s.warehouse_id, \(unescaped: levelJSON)::text
              FROM stock_levels s
              LEFT JOIN stock_level_products p USING (product_id)
             CROSS JOIN LATERAL (\(unescaped: expiryWindows),
                                 COALESCE(sum(b.on_hand) FILTER (WHERE b.expires_on <= business_date() + \(filter.expiringWithinDays ?? 0)::integer), 0) AS within
                            FROM stock_level_batches b
                           WHERE (b.product_id, b.warehouse_id) = (s.product_id, s.warehouse_id) AND b.on_hand > 0) e
             WHERE (\(filter.productID)::bigint IS NULL OR s.product_id = \(filter.productID))
               AND (\(filter.warehouseID)::bigint IS NULL OR s.warehouse_id = \(filter.warehouseID))
               AND (\(filter.belowReorder)::boolean IS NULL OR (s.on_hand < COALESCE(p.reorder_level, 0)) = \(filter.belowReorder))
               AND (\(filter.expiringWithinDays)::integer IS NULL OR e.within > 0)
               AND (s.product_id, s.warehouse_id) > (\(filter.after.product), \(filter.after.warehouse))
             ORDER BY s.product_id, s.warehouse_id
             LIMIT \(filter.limit + 1)
            """,
            logger: logger
        )
        var found: [(Int64, Int64, String)] = []
        for try await row in rows.decode((Int64, Int64, String).self) { found.append(row) }
        let shown = found.prefix(filter.limit)
        let next = found.count > filter.limit ? shown.last.map { (product: $0.0, warehouse: $0.1) } : nil
        return (shown.map(\.2), next)
    }

    /// One product across warehouses, each with its batches; `nil` when the read model
    /// has never heard of the product.
    public static func product(_ productID: Int64, on connection: PostgresConnection, logger: Logger) async throws
        -> String?
    {
        let rows = try await connection.query(
            """
            WITH levels AS (
                SELECT s.*, \(unescaped: levelJSON) || jsonb_build_object('batches', COALESCE((
                           SELECT jsonb_agg(jsonb_build_object('batchId', b.batch_id, 'batchNumber', b.batch_number,
                                                               'expiresOn', b.expires_on, 'onHand', b.on_hand,
                                                               'expired', b.expires_on < business_date())
                                            ORDER BY b.expires_on, b.batch_id)
                             FROM stock_level_batches b
                            WHERE (b.product_id, b.warehouse_id) = (s.product_id, s.warehouse_id) AND b.on_hand <> 0), '[]'::jsonb)) AS level
                  FROM stock_levels s
                  LEFT JOIN stock_level_products p USING (product_id)
                 CROSS JOIN LATERAL (\(unescaped: expiryWindows)
                                       FROM stock_level_batches b
                                      WHERE (b.product_id, b.warehouse_id) = (s.product_id, s.warehouse_id) AND b.on_hand > 0) e
                 WHERE s.product_id = \(productID)
            )
            SELECT jsonb_build_object(
                       'productId', p.product_id, 'sku', p.sku, 'name', p.name, 'reorderLevel', p.reorder_level,
                       'onHand', COALESCE((SELECT sum(on_hand) FROM levels), 0),
                       'value', COALESCE((SELECT sum(value_paise) FROM levels), 0),
                       'reserved', COALESCE((SELECT sum(reserved) FROM levels), 0),
                       'warehouses', COALESCE((SELECT jsonb_agg(level ORDER BY warehouse_id) FROM levels), '[]'::jsonb))::text
              FROM (SELECT \(productID)::bigint AS product_id) k
              LEFT JOIN stock_level_products p USING (product_id)
             WHERE p.product_id IS NOT NULL OR EXISTS (SELECT FROM levels)
            """,
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        return nil
    }

    /// One product × warehouse row as JSON; needs `s` (stock_levels), `p`
    /// (stock_level_products) and `e` (``expiryWindows``) in scope.
    private static let levelJSON = """
        jsonb_build_object(
            'productId', s.product_id, 'sku', p.sku, 'name', p.name, 'warehouseId', s.warehouse_id,
            'onHand', s.on_hand, 'value', s.value_paise, 'reserved', s.reserved,
            -- What can still be sold or reserved: neither reserved nor expired.
            'available', greatest(0, s.on_hand - s.reserved - e.expired),
            'averageUnitCost', CASE WHEN s.on_hand > 0 THEN round(s.value_paise::numeric / s.on_hand)::bigint END,
            'reorderLevel', COALESCE(p.reorder_level, 0), 'belowReorder', s.on_hand < COALESCE(p.reorder_level, 0),
            'expired', e.expired, 'expiringWithin30Days', e.within30, 'expiringWithin60Days', e.within60,
            'expiringWithin90Days', e.within90)
        """

    /// On hand by expiry window, over the batches `b` of one row. Expired stock counts
    /// in `expired` only; a batch is usable up to and including its expiry date.
    private static let expiryWindows = """
        SELECT COALESCE(sum(b.on_hand) FILTER (WHERE b.expires_on < business_date()), 0) AS expired,
               COALESCE(sum(b.on_hand) FILTER (WHERE b.expires_on >= business_date() AND b.expires_on <= business_date() + 30), 0) AS within30,
               COALESCE(sum(b.on_hand) FILTER (WHERE b.expires_on >= business_date() AND b.expires_on <= business_date() + 60), 0) AS within60,
               COALESCE(sum(b.on_hand) FILTER (WHERE b.expires_on >= business_date() AND b.expires_on <= business_date() + 90), 0) AS within90
        """
}
