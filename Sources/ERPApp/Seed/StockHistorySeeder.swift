// Writes a realistic stock history (orders, receipts, issues, transfers, adjustments)
// through the write-model tables and their triggers, for benchmarks and demonstrations.
import ERPKernel
import ERPStore
import Inventory
public import Logging
import MasterData
public import PostgresNIO

/// Generates a stock history of a chosen size.
///
/// Each round, in one transaction, every warehouse has a purchase order approved and
/// received (ten products, a new batch each), then posts `documentsPerWarehouse` stock
/// documents against that round's batches: six in ten issues, three transfers to the
/// next warehouse, one count adjustment. On hand in `stock_on_hand` moves with them,
/// never below zero, and the tables' triggers record the same events the commands do.
/// The history is deterministic for a given size.
public struct StockHistorySeeder: Sendable {
    /// The shape of the history.
    public struct Configuration: Sendable {
        /// Products in the catalogue.
        public var products: Int
        /// Warehouses.
        public var warehouses: Int
        /// Stock documents each warehouse posts per round.
        public var documentsPerWarehouse: Int

        /// Creates a configuration.
        public init(products: Int = 200, warehouses: Int = 3, documentsPerWarehouse: Int = 100) {
            self.products = products
            self.warehouses = warehouses
            self.documentsPerWarehouse = documentsPerWarehouse
        }
    }

    /// Products received per warehouse per round, and lines per stock document.
    static let productsPerReceipt = 10
    static let receivedPerLine = 1000

    let configuration: Configuration
    let logger: Logger

    /// Creates a seeder.
    public init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Writes at least `events` events and returns how many it wrote.
    ///
    /// - Parameters:
    ///   - events: The events to write, at least (a round is not cut short).
    ///   - connection: A connection outside any transaction.
    ///   - progress: Called after each round with the events written so far.
    public func seed(events: Int, on connection: PostgresConnection, progress: (Int) -> Void = { _ in }) async throws
        -> Int
    {
        let start = try await countEvents(on: connection)
        let (vendor, warehouses, products) = try await connection.inTransaction(logger: logger) {
            try await masterData(on: $0)
        }
        var round =
            try await connection.value(
                "SELECT COALESCE(max(substring(batch_number FROM '^S([0-9]+)-')::bigint), 0) FROM batches WHERE batch_number ~ '^S[0-9]+-'",
                as: Int64.self, logger: logger
            ) ?? 0
        var written = try await countEvents(on: connection) - start
        while written < events {
            try Task.checkCancellation()
            round += 1
            try await connection.inTransaction(logger: logger) { transaction in
                try await seedRound(round, vendor: vendor, warehouses: warehouses, products: products, on: transaction)
            }
            written = try await countEvents(on: connection) - start
            progress(written)
        }
        return written
    }

    private func countEvents(on connection: PostgresConnection) async throws -> Int {
        // The sequence, not count(*): cheap on a large log, and exact while nothing else writes.
        Int(
            try await connection.value("SELECT COALESCE(max(position), 0) FROM events", as: Int64.self, logger: logger)
                ?? 0)
    }

    /// The seed vendor, warehouses and products, created on the first run.
    private func masterData(on transaction: PostgresConnection) async throws -> (Int64, [Int64], [Int64]) {
        try await transaction.query(
            """
            INSERT INTO vendors (name, state_code) SELECT 'Seed Remedies Pvt Ltd', '27'
             WHERE NOT EXISTS (SELECT 1 FROM vendors WHERE name = 'Seed Remedies Pvt Ltd')
            """,
            logger: logger
        )
        try await transaction.query(
            """
            INSERT INTO warehouses (code, name, state_code)
            SELECT 'SEED-' || n, 'Seed warehouse ' || n, (ARRAY['27', '29', '07'])[1 + n % 3]
              FROM generate_series(1, \(configuration.warehouses)) n
            ON CONFLICT (code) DO NOTHING
            """,
            logger: logger
        )
        // Remedies by potency and form, as a homeopathic distributor stocks them.
        try await transaction.query(
            """
            INSERT INTO products (sku, name, potency, form, pack_size, pack_unit, hsn_code, mrp_paise, reorder_level, reorder_quantity)
            SELECT 'SEED-' || n,
                   (ARRAY['Arnica Montana', 'Belladonna', 'Nux Vomica', 'Rhus Toxicodendron', 'Pulsatilla',
                          'Bryonia Alba', 'Calcarea Carbonica', 'Sulphur', 'Lycopodium', 'Thuja'])[1 + n % 10]
                       || ' ' || (ARRAY['6C', '30C', '200C', '1M', 'Q'])[1 + (n / 10) % 5] || ' #' || n,
                   (ARRAY['6C', '30C', '200C', '1M', 'Q'])[1 + (n / 10) % 5],
                   (ARRAY['dilution', 'globules', 'mother tincture'])[1 + n % 3],
                   30, 'ml', '30049014', 9500 + n * 10, 50, 500
              FROM generate_series(1, \(configuration.products)) n
            ON CONFLICT (sku) DO NOTHING
            """,
            logger: logger
        )
        let vendor =
            try await transaction.value(
                "SELECT id FROM vendors WHERE name = 'Seed Remedies Pvt Ltd' ORDER BY id LIMIT 1", as: Int64.self,
                logger: logger) ?? 0
        let warehouses =
            try await transaction.value(
                "SELECT array_agg(id ORDER BY id) FROM warehouses WHERE code LIKE 'SEED-%'", as: [Int64].self,
                logger: logger
            ) ?? []
        let products =
            try await transaction.value(
                "SELECT array_agg(id ORDER BY id) FROM products WHERE sku LIKE 'SEED-%'", as: [Int64].self,
                logger: logger
            ) ?? []
        return (vendor, warehouses, products)
    }

    private func seedRound(
        _ round: Int64, vendor: Int64, warehouses: [Int64], products: [Int64], on transaction: PostgresConnection
    ) async throws {
        let perReceipt = min(Self.productsPerReceipt, products.count)
        // Each warehouse's products this round: a window over the catalogue that moves every round.
        try await transaction.query(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS seed_received (
                wn int, line int, warehouse_id bigint, product_id bigint, batch_id bigint, order_id bigint, unit_cost bigint
            ) ON COMMIT DELETE ROWS
            """,
            logger: logger
        )
        try await transaction.query(
            """
            INSERT INTO seed_received (wn, line, warehouse_id, product_id, unit_cost)
            SELECT w.n, l, w.id, (\(products))[1 + ((\(round) * \(perReceipt) + w.n * 3 + l) % \(products.count))],
                   100 + ((\(round) * 37 + l * 11 + w.n) % 900) * 10
              FROM unnest(\(warehouses)::bigint[]) WITH ORDINALITY w(id, n), generate_series(1, \(perReceipt)) l
            """,
            logger: logger
        )
        // A purchase order per warehouse, approved (an event) and received in full.
        try await transaction.query(
            """
            WITH orders AS (
                INSERT INTO purchase_orders (vendor_id, warehouse_id, note)
                SELECT \(vendor), id, 'seed round ' || \(round) FROM unnest(\(warehouses)::bigint[]) id
                RETURNING id, warehouse_id
            )
            UPDATE seed_received s SET order_id = o.id FROM orders o WHERE o.warehouse_id = s.warehouse_id
            """,
            logger: logger
        )
        try await transaction.query(
            """
            INSERT INTO purchase_order_lines (order_id, line_number, product_id, quantity, unit_cost_paise)
            SELECT order_id, line, product_id, \(Self.receivedPerLine), unit_cost FROM seed_received
            """,
            logger: logger
        )
        try await transaction.query(
            """
            UPDATE purchase_orders SET status = 'approved', approved_at = now()
             WHERE id IN (SELECT order_id FROM seed_received)
            """,
            logger: logger
        )
        try await transaction.query(
            """
            WITH made AS (
                INSERT INTO batches (product_id, batch_number, manufactured_on, expires_on, mrp_paise)
                SELECT product_id, 'S' || \(round) || '-' || wn, business_date() - 30,
                       business_date() + 400 + (\(round) % 300)::integer, 9500
                  FROM seed_received
                RETURNING id, product_id, batch_number
            )
            UPDATE seed_received s SET batch_id = m.id
              FROM made m
             WHERE m.product_id = s.product_id AND m.batch_number = 'S' || \(round) || '-' || s.wn
            """,
            logger: logger
        )
        try await transaction.query(
            """
            WITH receipts AS (
                INSERT INTO goods_receipts (order_id, vendor_id, warehouse_id, vendor_reference)
                SELECT DISTINCT order_id, \(vendor), warehouse_id, 'DC-' || \(round) || '-' || wn FROM seed_received
                RETURNING id, order_id
            )
            INSERT INTO goods_receipt_lines (receipt_id, line_number, order_line_number, product_id, batch_id, quantity, unit_cost_paise)
            SELECT r.id, s.line, s.line, s.product_id, s.batch_id, \(Self.receivedPerLine), s.unit_cost
              FROM seed_received s JOIN receipts r USING (order_id)
            """,
            logger: logger
        )
        try await transaction.query(
            """
            UPDATE purchase_order_lines l SET received_quantity = l.quantity
              FROM seed_received s WHERE (l.order_id, l.line_number) = (s.order_id, s.line)
            """,
            logger: logger
        )
        try await transaction.query(
            "UPDATE purchase_orders SET status = 'received' WHERE id IN (SELECT order_id FROM seed_received)",
            logger: logger
        )
        try await transaction.query(
            """
            INSERT INTO stock_on_hand (product_id, warehouse_id, batch_id, quantity)
            SELECT product_id, warehouse_id, batch_id, \(Self.receivedPerLine) FROM seed_received
            """,
            logger: logger
        )
        // The round's stock documents: two lines each, 1…5 units, from this round's batches
        // of the warehouse. At most documentsPerWarehouse × 2 ÷ 10 × 5 units leave one batch.
        let kinds =
            warehouses.count > 1
            ? "CASE WHEN j % 10 < 6 THEN 'issue' WHEN j % 10 < 9 THEN 'transfer' ELSE 'adjustment' END"
            : "CASE WHEN j % 10 < 9 THEN 'issue' ELSE 'adjustment' END"
        try await transaction.query(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS seed_documents (
                id bigint, kind text, warehouse_id bigint, to_warehouse_id bigint, wn int, j int
            ) ON COMMIT DELETE ROWS
            """,
            logger: logger
        )
        try await transaction.query(
            """
            WITH documents AS (
                INSERT INTO stock_documents (kind, warehouse_id, to_warehouse_id, reason, reference)
                SELECT kind, w.id, CASE kind WHEN 'transfer' THEN (\(warehouses))[1 + w.n % \(warehouses.count)] END,
                       CASE kind WHEN 'adjustment' THEN 'count' END, 'seed:' || \(round) || ':' || w.n || ':' || j
                  FROM unnest(\(warehouses)::bigint[]) WITH ORDINALITY w(id, n), generate_series(1, \(configuration.documentsPerWarehouse)) j,
                       LATERAL (SELECT \(unescaped: kinds) AS kind) k
                 ORDER BY w.n, j
                RETURNING id, kind, warehouse_id, to_warehouse_id, reference
            )
            INSERT INTO seed_documents
            SELECT id, kind, warehouse_id, to_warehouse_id, split_part(reference, ':', 3)::int, split_part(reference, ':', 4)::int
              FROM documents
            """,
            logger: logger
        )
        try await transaction.query(
            """
            INSERT INTO stock_document_lines (document_id, line_number, product_id, batch_id, quantity)
            SELECT d.id, k, s.product_id, s.batch_id,
                   CASE WHEN d.kind = 'adjustment' AND d.j % 20 = 9 THEN -1 ELSE 1 END * (1 + (d.j * 7 + k * 3) % 5)
              FROM seed_documents d
             CROSS JOIN generate_series(1, 2) k
              JOIN seed_received s ON s.wn = d.wn AND s.line = 1 + (d.j * 2 + k) % \(perReceipt)
            """,
            logger: logger
        )
        try await value(on: transaction)
        try await transaction.query(
            """
            WITH moved AS (
                SELECT l.product_id, d.warehouse_id, l.batch_id,
                       CASE d.kind WHEN 'adjustment' THEN l.quantity ELSE -l.quantity END AS quantity
                  FROM seed_documents d JOIN stock_document_lines l ON l.document_id = d.id
                UNION ALL
                SELECT l.product_id, d.to_warehouse_id, l.batch_id, l.quantity
                  FROM seed_documents d JOIN stock_document_lines l ON l.document_id = d.id
                 WHERE d.kind = 'transfer'
            )
            , totals AS (
                SELECT product_id, warehouse_id, batch_id, sum(quantity)::bigint AS quantity FROM moved GROUP BY 1, 2, 3
            ), updated AS (
                -- An UPDATE, not INSERT … ON CONFLICT: the CHECK on quantity would refuse a
                -- negative change as a row to insert before the conflict is seen.
                UPDATE stock_on_hand h SET quantity = h.quantity + t.quantity
                  FROM totals t
                 WHERE (h.product_id, h.warehouse_id, h.batch_id) = (t.product_id, t.warehouse_id, t.batch_id)
                RETURNING h.product_id, h.warehouse_id, h.batch_id
            )
            INSERT INTO stock_on_hand (product_id, warehouse_id, batch_id, quantity)
            SELECT t.product_id, t.warehouse_id, t.batch_id, t.quantity
              FROM totals t
             WHERE NOT EXISTS (SELECT 1 FROM updated u
                                WHERE (u.product_id, u.warehouse_id, u.batch_id) = (t.product_id, t.warehouse_id, t.batch_id))
            """,
            logger: logger
        )
    }

    /// Values the round as ``StockLedger`` does: the receipts at their cost, then each
    /// document's lines in order; writes each line's value and the new `stock_valuation`.
    private func value(on transaction: PostgresConnection) async throws {
        let received = try await transaction.rows(
            "SELECT product_id, warehouse_id, batch_id, unit_cost FROM seed_received ORDER BY wn, line",
            as: (Int64, Int64, Int64, Int64).self, logger: logger)
        let lines = try await transaction.rows(
            """
            SELECT d.id, d.kind, d.warehouse_id, d.to_warehouse_id, l.line_number, l.product_id, l.batch_id, l.quantity
              FROM seed_documents d JOIN stock_document_lines l ON l.document_id = d.id
             ORDER BY d.id, l.line_number
            """,
            as: (Int64, String, Int64, Int64?, Int, Int64, Int64, Int64).self, logger: logger)
        var places = Set(received.map { StockPlace(product: $0.0, warehouse: $0.1) })
        for line in lines {
            places.insert(StockPlace(product: line.5, warehouse: line.2))
            if let to = line.3 { places.insert(StockPlace(product: line.5, warehouse: to)) }
        }
        let keys = places.sorted()
        let current = try await transaction.rows(
            """
            SELECT v.product_id, v.warehouse_id, v.on_hand, v.value_paise
              FROM stock_valuation v
              JOIN unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[]) AS k(p, w)
                ON (v.product_id, v.warehouse_id) = (k.p, k.w)
            """,
            as: (Int64, Int64, Int64, Int64).self, logger: logger)
        var receipts = StockValuation()
        for (product, warehouse, onHand, value) in current {
            receipts.levels[StockPlace(product: product, warehouse: warehouse)] = StockValue(
                onHand: onHand, value: Money(paise: value))
        }
        for (product, warehouse, batch, cost) in received {
            _ = receipts.move(
                StockPlace(product: product, warehouse: warehouse), batch: batch, quantity: Int64(Self.receivedPerLine),
                unitCost: cost)
        }
        var levels = receipts.levels
        var valued: [(document: Int64, line: Int, value: Int64)] = []
        var index = 0
        while index < lines.count {
            let document = lines[index].0
            var valuation = StockValuation(levels: levels)
            while index < lines.count, lines[index].0 == document {
                let (_, kind, warehouse, to, number, product, batch, quantity) = lines[index]
                let out = valuation.move(
                    StockPlace(product: product, warehouse: warehouse), batch: batch,
                    quantity: kind == "adjustment" ? quantity : -quantity, unitCost: nil)
                if let to {
                    _ = valuation.move(
                        StockPlace(product: product, warehouse: to), batch: batch, quantity: quantity, unitCost: nil)
                }
                valued.append((document, number, out.paise))
                index += 1
            }
            levels = valuation.levels
        }
        try await transaction.query(
            """
            UPDATE stock_document_lines l SET value_paise = v.value
              FROM unnest(\(valued.map(\.document))::bigint[], \(valued.map(\.line))::integer[],
                          \(valued.map(\.value))::bigint[]) AS v(d, n, value)
             WHERE (l.document_id, l.line_number) = (v.d, v.n)
            """,
            logger: logger)
        let after = keys.map { levels[$0, default: StockValue()] }
        try await transaction.query(
            """
            INSERT INTO stock_valuation AS v (product_id, warehouse_id, on_hand, value_paise)
            SELECT * FROM unnest(\(keys.map(\.product))::bigint[], \(keys.map(\.warehouse))::bigint[],
                                 \(after.map(\.onHand))::bigint[], \(after.map(\.value.paise))::bigint[])
            ON CONFLICT (product_id, warehouse_id) DO UPDATE
               SET on_hand = EXCLUDED.on_hand, value_paise = EXCLUDED.value_paise
            """,
            logger: logger)
    }
}
