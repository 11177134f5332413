import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import MasterData
import NIOCore
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct StockProjectionTests {
    static let later = Shop.date(daysFromToday: 700)

    /// Rows where the projection, the write model and the sum of movement events disagree.
    static let disagreements = """
        WITH write_model AS (
                 SELECT product_id, warehouse_id, batch_id, quantity FROM stock_on_hand
             ),
             projected AS (
                 SELECT product_id, warehouse_id, batch_id, on_hand AS quantity FROM stock_level_batches
             ),
             from_events AS (
                 SELECT (m ->> 'productId')::bigint AS product_id, (m ->> 'warehouseId')::bigint AS warehouse_id,
                        (m ->> 'batchId')::bigint AS batch_id, sum((m ->> 'quantity')::bigint) AS quantity
                   FROM events, jsonb_array_elements(payload -> 'movements') m
                  GROUP BY 1, 2, 3
             )
        SELECT count(*)
          FROM write_model w
          FULL JOIN projected p USING (product_id, warehouse_id, batch_id)
          FULL JOIN from_events e USING (product_id, warehouse_id, batch_id)
         WHERE COALESCE(w.quantity, 0) <> COALESCE(p.quantity, 0) OR COALESCE(w.quantity, 0) <> COALESCE(e.quantity, 0)
        """

    @Test func aRandomWorkloadProjectsToTheWriteModelAndTheSumOfItsEvents() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let thuja = try await shop.create(
                "products", Shop.product(sku: "THU-1M", name: "Thuja 1M", reorderLevel: 5))
            let products = [shop.arnica, shop.belladonna, thuja]
            let warehouses = [shop.mumbai, shop.bengaluru]
            let batches = ["B1", "B2"]
            for warehouse in warehouses {
                let order = try await shop.approvedOrder(
                    vendor: shop.mumbaiVendor, warehouse: warehouse,
                    products.map { ($0, 1_000, Int.random(in: 100...9_000)) }
                )
                let lines = (1...products.count).flatMap { line in batches.map { (line, 30, $0, Self.later) } }
                try await shop.create("goods-receipts", Shop.receipt(order: order, lines))
            }

            var random = SeededGenerator(state: UInt64.random(in: 0...UInt64.max))
            var statuses: [Int: Int] = [:]
            for step in 0..<160 {
                let product = products.randomElement(using: &random) ?? 0
                let batch = batches.randomElement(using: &random) ?? ""
                let warehouse = warehouses.randomElement(using: &random) ?? 0
                let other = warehouses.first { $0 != warehouse } ?? 0
                let quantity = Int.random(in: 1...12, using: &random)
                let lines = Shop.stockLines([(product, batch, quantity)])
                let response: TestResponse
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4:
                    response = try await shop.post(
                        "stock-issues", #"{"warehouseId": \#(warehouse), "lines": \#(lines)}"#)
                case 4..<7:
                    response = try await shop.post(
                        "stock-transfers",
                        #"{"fromWarehouseId": \#(warehouse), "toWarehouseId": \#(other), "lines": \#(lines)}"#)
                case 7..<9:
                    let signed = Shop.stockLines([(product, batch, Bool.random(using: &random) ? quantity : -quantity)])
                    response = try await shop.post(
                        "stock-adjustments", #"{"warehouseId": \#(warehouse), "reason": "count", "lines": \#(signed)}"#)
                default:
                    let order = try await shop.approvedOrder(
                        vendor: shop.bengaluruVendor, warehouse: warehouse,
                        [(product, quantity, Int.random(in: 100...9_000, using: &random))])
                    response = try await shop.post(
                        "goods-receipts", Shop.receipt(order: order, [(1, quantity, batch, Self.later)]))
                }
                statuses[response.status.code, default: 0] += 1
                #expect(response.status == .created || response.status == .conflict, "\(String(buffer: response.body))")
                // Catch up halfway too, so the projectors apply the log in more than one go.
                if step == 80 { try await LiveAPI.catchUpProjections(test) }
            }
            #expect(statuses[409, default: 0] > 0, "the workload should include refused commands")
            try await LiveAPI.catchUpProjections(test)

            #expect(try await test.scalar(PostgresQuery(unsafeSQL: Self.disagreements), as: Int.self) == 0)
            #expect(try await test.scalar("SELECT count(*) FROM stock_on_hand WHERE quantity < 0", as: Int.self) == 0)
            let totals = try await test.scalar(
                """
                SELECT count(*) FROM stock_levels s
                 WHERE s.on_hand <> (SELECT COALESCE(sum(b.on_hand), 0) FROM stock_level_batches b
                                      WHERE (b.product_id, b.warehouse_id) = (s.product_id, s.warehouse_id))
                    OR s.value_paise < 0 OR (s.on_hand = 0 AND s.value_paise <> 0)
                """,
                as: Int.self
            )
            #expect(totals == 0)
            // Values: the write model's is its movements' sum and the projection's; every invariant holds.
            let findings = try await test.withConnection {
                try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
            }
            let broken = findings.filter { !$0.holds }
            #expect(broken.isEmpty, "\(broken)")
            #expect(
                try await test.scalar("SELECT count(*) FROM stock_valuation WHERE value_paise > 0", as: Int.self) > 0)
            #expect(try await Self.valuesDisagree(test) == 0)

            // The migration's backfill, run over the same history with its values taken out
            // (as events from before carried none), finds the same values.
            try await Self.stripValues(test)
            try await test.execute("DELETE FROM stock_valuation")
            try await test.execute(try Self.backfill())
            #expect(try await Self.valuesDisagree(test) == 0)
        }
    }

    /// Products × warehouses whose write-model value differs from the projection's.
    static func valuesDisagree(_ test: TestDatabase) async throws -> Int {
        try await test.scalar(
            """
            SELECT count(*)::integer FROM stock_levels l FULL JOIN stock_valuation v USING (product_id, warehouse_id)
             WHERE COALESCE(l.value_paise, 0) <> COALESCE(v.value_paise, 0) OR COALESCE(l.on_hand, 0) <> COALESCE(v.on_hand, 0)
            """,
            as: Int.self)
    }

    /// Takes `value` out of every movement, and `unitCost` out of all but receipts': the
    /// movements as they were before stock was valued on the write side.
    static func stripValues(_ test: TestDatabase) async throws {
        try await test.execute(
            """
            ALTER TABLE events DISABLE TRIGGER events_immutable;
            UPDATE events e
               SET payload = jsonb_set(payload, '{movements}', (
                       SELECT jsonb_agg(CASE WHEN e.type = 'goods.received' THEN m - 'value' ELSE m - 'value' - 'unitCost' END
                                        ORDER BY n)
                         FROM jsonb_array_elements(payload -> 'movements') WITH ORDINALITY AS x(m, n)))
             WHERE payload ? 'movements';
            ALTER TABLE events ENABLE TRIGGER events_immutable;
            """)
    }

    /// The valuation backfill of migration 0030 (its `DO` block).
    static func backfill() throws -> String {
        let sql = try #require(Migration.embedded.first { $0.version == 30 }).sql
        let start = try #require(sql.range(of: "DO $$"))
        let end = try #require(sql.range(of: "END\n$$;", range: start.upperBound..<sql.endIndex))
        return String(sql[start.lowerBound..<end.upperBound])
    }

    @Test func valueFollowsTheMovingAverageAndTheQueriesFilter() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let soon = Shop.date(daysFromToday: 45)
            let first = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 10, 5_000)])
            try await shop.create("goods-receipts", Shop.receipt(order: first, [(1, 10, "A1", soon)]))
            let second = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai,
                [(shop.arnica, 10, 6_000), (shop.belladonna, 3, 100)])
            try await shop.create(
                "goods-receipts", Shop.receipt(order: second, [(1, 10, "A2", Self.later), (2, 3, "B1", Self.later)]))
            try await shop.create(
                "stock-issues",
                #"{"warehouseId": \#(shop.mumbai), "lines": \#(Shop.stockLines([(shop.arnica, "A2", 5)]))}"#)
            try await shop.create(
                "stock-transfers",
                #"{"fromWarehouseId": \#(shop.mumbai), "toWarehouseId": \#(shop.bengaluru), "lines": \#(Shop.stockLines([(shop.arnica, "A1", 5)]))}"#
            )
            try await LiveAPI.catchUpProjections(test)

            // 20 in at ₹50 and ₹60: ₹1,100. 5 out at the ₹55 average: ₹825 for 15. 5 moved to
            // Bengaluru carry ₹275 there. The write side costed each as it left.
            #expect(
                try await test.scalar(
                    """
                    SELECT string_agg(type || ' ' || (m ->> 'quantity') || ' ' || (m ->> 'value') || ' @' || (m ->> 'unitCost'),
                                      ', ' ORDER BY position, n)
                      FROM events, jsonb_array_elements(payload -> 'movements') WITH ORDINALITY AS x(m, n)
                     WHERE type IN ('stock.issued', 'stock.transferred') AND (m ->> 'productId')::bigint = \(shop.arnica)
                    """, as: String.self)
                    == "stock.issued -5 -27500 @5500, stock.transferred -5 -27500 @5500, stock.transferred 5 27500 @5500"
            )
            #expect(
                try await test.scalar(
                    """
                    SELECT string_agg(on_hand || ':' || value_paise, ',' ORDER BY warehouse_id) FROM stock_valuation
                     WHERE product_id = \(shop.arnica)
                    """, as: String.self) == "10:55000,5:27500")
            let arnica = try await shop.get("stock-levels/\(shop.arnica)")
            #expect(arnica["onHand"] as? Int == 15 && arnica["value"] as? Int == 82_500)
            let places = try #require(arnica["warehouses"] as? [[String: Any]])
            #expect(places.map { $0["warehouseId"] as? Int } == [shop.mumbai, shop.bengaluru])
            #expect(places.map { $0["value"] as? Int } == [55_000, 27_500])
            #expect(places.map { $0["averageUnitCost"] as? Int } == [5_500, 5_500])
            #expect(
                places.first?["expiringWithin30Days"] as? Int == 0 && places.first?["expiringWithin60Days"] as? Int == 5
            )
            #expect(
                (places.first?["batches"] as? [[String: Any]])?.map { $0["batchNumber"] as? String } == ["A1", "A2"])

            // Arnica's reorder level is 10: Bengaluru (5) is below it, Mumbai (10) is not.
            let below = try await shop.get("stock-levels?belowReorder=true")
            #expect((below["items"] as? [[String: Any]])?.map { $0["warehouseId"] as? Int } == [shop.bengaluru])
            let expiring = try await shop.get("stock-levels?expiringWithinDays=60&productId=\(shop.arnica)")
            #expect((expiring["items"] as? [[String: Any]])?.count == 2)
            let notYet = try await shop.get("stock-levels?expiringWithinDays=30")
            #expect((notYet["items"] as? [[String: Any]])?.count == 0)
            let mumbai = try await shop.get("stock-levels?warehouseId=\(shop.mumbai)")
            #expect(
                (mumbai["items"] as? [[String: Any]])?.map { $0["productId"] as? Int } == [
                    shop.arnica, shop.belladonna,
                ])

            var seen: [Int] = []
            var cursor: String? = nil
            repeat {
                let page = try await shop.get("stock-levels?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["warehouseId"] as? Int }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == [shop.mumbai, shop.bengaluru, shop.mumbai])

            let bad = try await http.execute(
                uri: "/api/v1/stock-levels?belowReorder=maybe&expiringWithinDays=-1", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try LiveAPI.problem(bad).errors.map(\.field) == ["belowReorder", "expiringWithinDays"])
            #expect(try await http.execute(uri: "/api/v1/stock-levels/999", method: .get).status == .notFound)
        }
    }

    @Test func aReorderNotificationIsRaisedOncePerCrossing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 100, 5_000)])
            let issue = #"{"warehouseId": \#(shop.mumbai), "lines": \#(Shop.stockLines([(shop.arnica, "A1", 3)]))}"#
            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 15, "A1", Self.later)]))  // 15
            try await shop.create("stock-issues", issue)  // 12
            try await LiveAPI.catchUpProjections(test)
            try await shop.create("stock-issues", issue)  // 9: below 10, the first crossing
            try await shop.create("stock-issues", issue)  // 6: still below
            try await LiveAPI.catchUpProjections(test)
            try await shop.create("stock-issues", issue)  // 3: still below
            // 13: back above
            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 10, "A1", Self.later)]))
            try await shop.create("stock-issues", issue)  // 10: at the level, not below
            try await shop.create("stock-issues", issue)  // 7: the second crossing
            try await LiveAPI.catchUpProjections(test)

            let raised = try await test.scalar(
                "SELECT string_agg(subject, ',' ORDER BY id) FROM notifications WHERE kind = 'below_reorder'",
                as: String.self
            )
            #expect(
                raised == "below_reorder:\(shop.arnica):\(shop.mumbai):1,below_reorder:\(shop.arnica):\(shop.mumbai):2")
            #expect(
                try await test.scalar("SELECT count(*) FROM notifications WHERE kind = 'batch_expiring'", as: Int.self)
                    == 0)

            // A batch received with 60 days left raises an expiry notification.
            let other = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.belladonna, 5, 100)])
            try await shop.create(
                "goods-receipts", Shop.receipt(order: other, [(1, 5, "SOON", Shop.date(daysFromToday: 60))]))
            try await LiveAPI.catchUpProjections(test)
            let open = try await shop.get("notifications?status=open")
            let items = try #require(open["items"] as? [[String: Any]])
            #expect(items.map { $0["kind"] as? String } == ["below_reorder", "below_reorder", "batch_expiring"])
            #expect((items.last?["message"] as? String)?.contains("in 60 days") == true)

            let id = try #require(items.first?["id"] as? Int)
            let acknowledged = try await http.execute(
                uri: "/api/v1/notifications/\(id)/acknowledge", method: .post,
                headers: [HTTPField.Name("X-Actor") ?? .contentType: "user:asha"]
            )
            #expect(acknowledged.status == .ok)
            #expect(try LiveAPI.json(acknowledged)["status"] as? String == "acknowledged")
            // X-Actor is not read: the actor is the signed-in administrator, user 1.
            #expect(try LiveAPI.json(acknowledged)["acknowledgedBy"] as? String == "user:1")
            #expect(try await http.execute(uri: "/api/v1/notifications/\(id)/acknowledge", method: .post).status == .ok)
            #expect((try await shop.get("notifications?status=open")["items"] as? [Any])?.count == 2)
            #expect((try await shop.get("notifications?status=acknowledged")["items"] as? [Any])?.count == 1)
            #expect(
                try await http.execute(uri: "/api/v1/notifications/999/acknowledge", method: .post).status == .notFound)
            #expect(
                try await http.execute(uri: "/api/v1/notifications?status=closed", method: .get).status == .badRequest)

            // The acknowledgement is a command: one event, by the actor, however often it is sent;
            // the projector applies it to the read model.
            let recorded = try await test.scalar(
                """
                SELECT string_agg(metadata ->> 'actor' || ' ' || (payload ->> 'acknowledgedBy'), ', ')
                  FROM events WHERE type = 'notification.acknowledged'
                """,
                as: String.self
            )
            #expect(recorded == "user:1 user:1")
            try await LiveAPI.catchUpProjections(test)
            let projected = try await test.scalar(
                "SELECT status || ' ' || acknowledged_by FROM notifications WHERE id = \(id)", as: String.self
            )
            #expect(projected == "acknowledged user:1")
            // Acknowledged in the read model, acknowledging again records nothing either.
            #expect(try await http.execute(uri: "/api/v1/notifications/\(id)/acknowledge", method: .post).status == .ok)
            #expect(
                try await test.scalar(
                    "SELECT count(*) FROM events WHERE type = 'notification.acknowledged'", as: Int64.self) == 1
            )
        }
    }

    @Test func raisingTheReorderLevelAboveOnHandIsACrossing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 15, 5_000)])
            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 15, "A1", Self.later)]))
            try await LiveAPI.catchUpProjections(test)
            #expect(try await test.scalar("SELECT count(*) FROM notifications", as: Int.self) == 0)

            // No stock moved: the product's new reorder level (20) puts 15 on hand below it.
            let patched = try await http.execute(
                uri: "/api/v1/products/\(shop.arnica)", method: .patch, headers: [.ifMatch: "\"1\""],
                body: ByteBuffer(string: #"{"reorderLevel": 20}"#)
            )
            #expect(patched.status == .ok)
            try await LiveAPI.catchUpProjections(test)
            #expect(
                try await test.scalar("SELECT string_agg(subject, ',') FROM notifications", as: String.self)
                    == "below_reorder:\(shop.arnica):\(shop.mumbai):1")
            let level = try await shop.get("stock-levels/\(shop.arnica)")
            #expect((level["warehouses"] as? [[String: Any]])?.first?["belowReorder"] as? Bool == true)
        }
    }
}
