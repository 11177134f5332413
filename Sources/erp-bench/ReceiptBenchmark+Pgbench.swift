// The goods receipt transaction as plain SQL, run by pgbench: the ceiling the API is measured against.
import ERPStore
import Foundation
import Logging
import PostgresNIO

extension ReceiptBenchmark {
    /// Runs pgbench with ``script(_:)`` at the same number of clients.
    func runPgbench(_ orders: Orders, pgbench: String, protocol queryProtocol: QueryProtocol) async throws -> Result {
        try await Load(clients: clients, seconds: seconds, scriptsFolder: workspace.scriptsFolder).pgbench(
            script(orders), named: "goods-receipt", url: workspace.database.configuration.url, pgbench: pgbench,
            protocol: queryProtocol)
    }

    /// pgbench running ``script(_:)`` with prepared statements, with the goods receipt's
    /// event trigger on or (`ALTER TABLE … DISABLE TRIGGER`, for this run only) off: what
    /// recording the event costs the write path. Turned back on however the run ends.
    func runPgbench(_ orders: Orders, pgbench: String, events: Bool) async throws -> Result {
        if events { return try await runPgbench(orders, pgbench: pgbench, protocol: .prepared) }
        try await setEventTrigger("DISABLE")
        do {
            let result = try await runPgbench(orders, pgbench: pgbench, protocol: .prepared)
            try await setEventTrigger("ENABLE")
            return result
        } catch {
            try? await setEventTrigger("ENABLE")
            throw error
        }
    }

    private func setEventTrigger(_ action: String) async throws {
        _ = try await workspace.database.withConnection(as: "erp-bench") { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE goods_receipts \(action) TRIGGER goods_received"), logger: logger)
        }
    }

    /// What building the goods receipt event's payload costs: `goods_receipt_document` for
    /// (at most 5,000 of) the receipts already posted, in one statement, per document and per line.
    func payloadCost() async throws -> (perDocument: Double, perLine: Double) {
        try await workspace.database.withConnection(as: "erp-bench") { connection in
            let clock = ContinuousClock()
            let started = clock.now
            let rows = try await connection.query(
                """
                SELECT count(*)::bigint, sum(jsonb_array_length(goods_receipt_document(jsonb_build_object('id', id)) -> 'lines'))::bigint
                  FROM (SELECT id FROM goods_receipts ORDER BY id LIMIT 5000) r
                """, logger: logger)
            var documents: Int64 = 0
            var lines: Int64 = 0
            for try await (count, sum) in rows.decode((Int64, Int64?).self) { (documents, lines) = (count, sum ?? 0) }
            let microseconds = (clock.now - started) / .microseconds(1)
            guard documents > 0, lines > 0 else { throw Failure(description: "no goods receipts to build payloads of") }
            return (microseconds / Double(documents), microseconds / Double(lines))
        }
    }

    /// The statements `GoodsReceiptCommands.receive` sends for a three-line receipt, in
    /// the same order and shape, with this client's order and batches; then the document
    /// the API answers with. Variables are plain numbers so the script reads the same in
    /// pgbench's simple protocol (values written in) and the others (bound). Keep it in step with the command when that changes.
    func script(_ orders: Orders) throws -> String {
        guard let first = orders.ids.first, orders.ids == Array(first..<(first + Int64(orders.ids.count))) else {
            throw Failure(description: "the benchmark orders do not have consecutive ids")
        }
        let products = "ARRAY[\(orders.products.map(String.init).joined(separator: ","))]::bigint[]"
        let batches =
            "ARRAY['C' || :client_id || '-L1', 'C' || :client_id || '-L2', 'C' || :client_id || '-L3']::text[]"
        let warehouse = orders.warehouse
        return """
            \\set order \(first) + :client_id
            BEGIN;
            SELECT set_config('erp.actor', 'pgbench', true), set_config('erp.request_id', 'pgbench-' || :client_id, true);
            SELECT business_date()::text;
            SELECT vendor_id, warehouse_id, status FROM purchase_orders WHERE id = :order FOR UPDATE;
            SELECT line_number, product_id, quantity, unit_cost_paise, received_quantity, billed_quantity FROM purchase_order_lines WHERE order_id = :order;
            INSERT INTO batches (product_id, batch_number, manufactured_on, expires_on, mrp_paise) SELECT u.p, u.number, NULLIF(u.made, '')::date, u.expires::date, COALESCE(NULLIF(u.mrp, -1), products.mrp_paise) FROM unnest(\(products), \(batches), ARRAY['2026-01-15','2026-01-15','2026-01-15']::text[], ARRAY['2031-03-31','2031-03-31','2031-03-31']::text[], ARRAY[-1,-1,-1]::bigint[]) AS u(p, number, made, expires, mrp) JOIN products ON products.id = u.p ORDER BY u.p, u.number ON CONFLICT (product_id, batch_number) DO NOTHING;
            SELECT (array_agg(b.id ORDER BY u.n))[1] AS b1, (array_agg(b.id ORDER BY u.n))[2] AS b2, (array_agg(b.id ORDER BY u.n))[3] AS b3, array_agg(b.expires_on::text ORDER BY u.n) AS expiries FROM unnest(\(products), \(batches)) WITH ORDINALITY AS u(p, number, n) JOIN batches b ON (b.product_id, b.batch_number) = (u.p, u.number) \\gset
            INSERT INTO goods_receipts (order_id, vendor_id, warehouse_id, vendor_reference, received_on) VALUES (:order, \(orders.vendor), \(warehouse), 'DC-BENCH', business_date()) RETURNING id AS receipt_id \\gset
            INSERT INTO goods_receipt_lines (receipt_id, line_number, order_line_number, product_id, batch_id, quantity, unit_cost_paise) SELECT :receipt_id, n, o, p, b, q, c FROM unnest(ARRAY[1,2,3]::integer[], \(products), ARRAY[:b1, :b2, :b3]::bigint[], ARRAY[5,5,5]::bigint[], ARRAY[5000,5000,5000]::bigint[]) WITH ORDINALITY AS l(o, p, b, q, c, n);
            UPDATE purchase_order_lines l SET received_quantity = l.received_quantity + u.r, billed_quantity = l.billed_quantity + u.b FROM unnest(ARRAY[1,2,3]::integer[], ARRAY[5,5,5]::bigint[], ARRAY[0,0,0]::bigint[]) AS u(n, r, b) WHERE l.order_id = :order AND l.line_number = u.n;
            UPDATE purchase_orders o SET status = CASE WHEN t.received = 0 THEN 'approved' WHEN t.received = t.ordered THEN 'received' ELSE 'partially_received' END FROM (SELECT sum(quantity) AS ordered, sum(received_quantity) AS received FROM purchase_order_lines WHERE order_id = :order) t WHERE o.id = :order;
            INSERT INTO stock_on_hand AS s (product_id, warehouse_id, batch_id, quantity) SELECT p, w, b, 0 FROM unnest(\(products), ARRAY[\(warehouse),\(warehouse),\(warehouse)]::bigint[], ARRAY[:b1, :b2, :b3]::bigint[]) AS k(p, w, b) ORDER BY p, w, b ON CONFLICT (product_id, warehouse_id, batch_id) DO UPDATE SET quantity = s.quantity RETURNING s.product_id, s.warehouse_id, s.batch_id, s.quantity;
            WITH moved AS (UPDATE stock_on_hand s SET quantity = s.quantity + k.q FROM unnest(\(products), ARRAY[\(warehouse),\(warehouse),\(warehouse)]::bigint[], ARRAY[:b1, :b2, :b3]::bigint[], ARRAY[5,5,5]::bigint[]) AS k(p, w, b, q) WHERE (s.product_id, s.warehouse_id, s.batch_id) = (k.p, k.w, k.b) AND k.q <> 0) INSERT INTO stock_valuation AS v (product_id, warehouse_id, on_hand, value_paise) SELECT p, w, 0, 0 FROM unnest(\(products), ARRAY[\(warehouse),\(warehouse),\(warehouse)]::bigint[]) AS k(p, w) ORDER BY p, w ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = v.on_hand RETURNING v.product_id, v.warehouse_id, v.on_hand, v.value_paise, v.reserved;
            UPDATE stock_valuation v SET on_hand = v.on_hand + 5, value_paise = v.value_paise + 25000 FROM unnest(\(products), ARRAY[\(warehouse),\(warehouse),\(warehouse)]::bigint[]) AS k(p, w) WHERE (v.product_id, v.warehouse_id) = (k.p, k.w);
            SELECT goods_receipt_document(jsonb_build_object('id', id))::text FROM goods_receipts WHERE id = :receipt_id AND true;
            COMMIT;

            """
    }

    /// pgbench from PATH, or the newest under Debian's /usr/lib/postgresql/<version>/bin.
    static func findPgbench() -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/pgbench" }
        let debian = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { "/usr/lib/postgresql/\($0)/bin/pgbench" }
        return (paths + debian).first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
