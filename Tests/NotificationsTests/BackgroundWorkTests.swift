import AsyncHTTPClient
import ERPApp
import ERPEvents
import ERPJobs
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Synchronization
import Testing

@Suite struct BackgroundWorkTests {
    @Test func notificationsAreDeliveredSignedToEveryEndpointOnceThroughRetries() async throws {
        let receiver = WebhookReceiver(secret: Fixtures.webhookSecret)
        try await receiver.serve { base in
            try await LiveAPI.with { test, http in
                let shop = try await Shop.open(http)
                // A batch expiring in 30 days: the notifications projector raises batch_expiring,
                // and its insert enqueues the delivery.
                let order = try await shop.approvedOrder(
                    vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 20, 4000)])
                try await shop.create(
                    "goods-receipts", Shop.receipt(order: order, [(1, 20, "A1", Shop.date(daysFromToday: 30))]))
                try await LiveAPI.catchUpProjections(test)
                let raised = try await test.scalar("SELECT count(*)::integer FROM notifications", as: Int.self)
                #expect(raised == 1)
                #expect(
                    try await test.scalar(
                        "SELECT count(*)::integer FROM jobs WHERE kind = 'notification.deliver' AND queue = 'notifications'",
                        as: Int.self) == raised)

                receiver.fail("b", times: 2)
                try await test.withPool { client in
                    let delivery = NotificationDelivery(
                        endpoints: WebhookEndpoints(
                            urls: ["\(base)/a", "\(base)/b"], secret: Fixtures.webhookSecret, timeout: .seconds(5)),
                        client: client
                    )
                    let configuration = JobRunner.Configuration(
                        queues: ["notifications": 4], pollInterval: .milliseconds(50),
                        retryPolicy: RetryPolicy(base: .milliseconds(20), maximum: .milliseconds(50))
                    )
                    try await test.withRunners([configuration], handlers: [delivery]) {
                        try await eventually("the delivery completed") {
                            try await test.scalar(
                                "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self)
                                == raised
                        }
                    }
                }
                let deliveries = receiver.deliveries
                // Endpoint a took it on the first attempt and was not sent it again on the retries.
                #expect(deliveries.map(\.endpoint).sorted() == ["a", "b"])
                #expect(receiver.badSignatures == 0)
                let subject = try await test.scalar("SELECT subject FROM notifications", as: String.self)
                for delivery in deliveries {
                    let body = try JSONSerialization.jsonObject(with: Data(delivery.body.utf8)) as? [String: Any]
                    #expect(delivery.subject == subject)
                    #expect(body?["subject"] as? String == subject)
                    #expect(body?["kind"] as? String == "batch_expiring")
                    #expect(body?["productId"] as? Int == shop.arnica)
                }
                #expect(try await test.scalar("SELECT attempts FROM job_history", as: Int.self) == 3)
                #expect(
                    try await test.scalar(
                        "SELECT string_agg(response_status::text, ',') FROM notification_deliveries", as: String.self)
                        == "204,204")
            }
        }
    }

    @Test func aDeliveryWithTheWrongSecretIsRefusedByTheReceiverAndRetried() async throws {
        let receiver = WebhookReceiver(secret: Fixtures.webhookSecret)
        try await receiver.serve { base in
            try await TestDatabase.withDatabase { test in
                try await Fixtures.raiseNotification(test)
                try await test.withPool { client in
                    let delivery = NotificationDelivery(
                        endpoints: WebhookEndpoints(
                            urls: ["\(base)/a"], secret: "not-the-shared-secret", timeout: .seconds(5)), client: client
                    )
                    let configuration = JobRunner.Configuration(
                        queues: ["notifications": 1], pollInterval: .milliseconds(50),
                        retryPolicy: RetryPolicy(base: .seconds(600), maximum: .seconds(600))
                    )
                    try await test.withRunners([configuration], handlers: [delivery]) {
                        try await eventually("the first attempt failed") {
                            try await test.scalar(
                                "SELECT count(*)::integer FROM jobs WHERE last_error IS NOT NULL", as: Int.self) == 1
                        }
                    }
                }
                #expect(receiver.badSignatures == 1)
                #expect(receiver.deliveries.isEmpty)
                #expect(
                    try await test.scalar("SELECT last_error FROM jobs", as: String.self).hasSuffix(
                        "/hooks/a answered 401"))
                #expect(
                    try await test.scalar("SELECT count(*)::integer FROM notification_deliveries", as: Int.self) == 0)
            }
        }
    }

    @Test func theExpiryScanFlagsExpiringAndExpiredStockOnlyOnce() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 30, 4000)])
            try await shop.create(
                "goods-receipts",
                Shop.receipt(
                    order: order,
                    [
                        (1, 10, "LATE", Shop.date(daysFromToday: 200)), (1, 10, "SOON", Shop.date(daysFromToday: 20)),
                        (1, 10, "OLD", Shop.date(daysFromToday: 100)),
                    ])
            )
            // The OLD batch has expired since it was received.
            try await test.execute("UPDATE batches SET expires_on = business_date() - 3 WHERE batch_number = 'OLD'")
            try await test.withPool { client in
                let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
                try await test.withRunners([configuration], handlers: [ExpiryScan(client: client)]) {
                    for run in 1...2 {
                        try await test.withConnection { connection in
                            _ = try await JobQueue.enqueue(
                                NewJob(ExpiryScan.self, .init(windowDays: 90)), on: connection, logger: test.logger
                            )
                        }
                        try await eventually("scan \(run) completed") {
                            try await test.scalar(
                                "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self)
                                == run
                        }
                    }
                }
            }
            // The scans recorded what they found once; the projector raised the notifications.
            let found = try await test.scalar(
                "SELECT string_agg(finding, ', ' ORDER BY finding) FROM batch_expiry_findings", as: String.self
            )
            #expect(found == "expired, expiring")
            try await LiveAPI.catchUpProjections(test)
            let raised = try await test.scalar(
                """
                SELECT string_agg(n.kind || ' ' || b.batch_number, ', ' ORDER BY n.kind)
                  FROM notifications n JOIN batches b ON b.id = n.batch_id
                """,
                as: String.self
            )
            #expect(raised == "batch_expired OLD, batch_expiring SOON")
            #expect(
                try await test.scalar("SELECT message FROM notifications WHERE kind = 'batch_expired'", as: String.self)
                    .contains("10 still on hand in MUM"))
            // One delivery each, enqueued with the notifications.
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM jobs WHERE kind = 'notification.deliver'", as: Int.self) == 2)
            // Every notification comes from an event: a rebuild has the same ones, and delivers none again.
            let before = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject || ' ' || message, ', ' ORDER BY subject) FROM notifications",
                as: String.self
            )
            _ = try await Fixtures.replay(test, NotificationsProjector())
            let after = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject || ' ' || message, ', ' ORDER BY subject) FROM notifications",
                as: String.self
            )
            #expect(after == before)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM jobs WHERE kind = 'notification.deliver'", as: Int.self) == 2)
        }
    }

    @Test func reorderSuggestionsDraftOneOrderPerPreferredVendorAndWarehouseOnce() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            func product(_ sku: String, vendor: Int?) async throws -> Int {
                var body = Shop.product(sku: sku, name: sku, reorderLevel: 10)
                if let vendor {
                    body = body.replacingOccurrences(
                        of: #""reorderLevel""#, with: #""preferredVendorId": \#(vendor), "reorderLevel""#)
                }
                return try await shop.create("products", body)
            }
            let fromMumbai = try await product("NUX-30C", vendor: shop.mumbaiVendor)
            let fromDeccan = try await product("SUL-30C", vendor: shop.bengaluruVendor)
            let unassigned = try await product("PUL-30C", vendor: nil)
            let onOrder = try await product("RHUS-30C", vendor: shop.mumbaiVendor)
            #expect(try await shop.get("products/\(fromDeccan)")["preferredVendorId"] as? Int == shop.bengaluruVendor)
            let unknownVendor = try await shop.post(
                "products",
                Shop.product(sku: "X-1", name: "X", reorderLevel: 1).replacingOccurrences(
                    of: #""reorderLevel""#, with: #""preferredVendorId": 999, "reorderLevel""#))
            #expect(unknownVendor.status == .unprocessableContent)

            // Received in full, then mostly issued: below the reorder level of 10.
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai,
                [(fromMumbai, 20, 3100), (fromDeccan, 20, 2900), (unassigned, 20, 2500)]
            )
            let expiry = Shop.date(daysFromToday: 300)
            try await shop.create(
                "goods-receipts",
                Shop.receipt(order: order, [(1, 20, "N1", expiry), (2, 20, "S1", expiry), (3, 20, "P1", expiry)]))
            try await shop.create(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(fromMumbai, "N1", 16), (fromDeccan, "S1", 15), (unassigned, "P1", 19)]))
            )
            // Below its level too, but an order for it is still open: nothing more is suggested.
            let open = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(onOrder, 20, 1000)])
            try await shop.create("goods-receipts", Shop.receipt(order: open, [(1, 5, "R1", expiry)]))

            try await test.withPool { client in
                let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
                try await test.withRunners([configuration], handlers: [ReorderSuggestions(client: client)]) {
                    for run in 1...2 {
                        try await test.withConnection { connection in
                            _ = try await JobQueue.enqueue(
                                NewJob(kind: ReorderSuggestions.kind), on: connection, logger: test.logger)
                        }
                        try await eventually("suggestion run \(run) completed") {
                            try await test.scalar(
                                "SELECT count(*)::integer FROM job_history WHERE state = 'completed'", as: Int.self)
                                == run
                        }
                    }
                }
            }
            let drafted = try await test.scalar(
                """
                SELECT string_agg(o.vendor_id || '/' || o.warehouse_id || ': ' || l.product_id || ' x' || l.quantity || ' @' || l.unit_cost_paise,
                                  '; ' ORDER BY o.vendor_id, l.product_id)
                  FROM purchase_orders o JOIN purchase_order_lines l ON l.order_id = o.id
                 WHERE o.status = 'draft'
                """,
                as: String.self
            )
            // Reorder quantity 50 (larger than the shortfall); the last cost from that vendor, else 0.
            #expect(
                drafted
                    == "\(shop.mumbaiVendor)/\(shop.mumbai): \(fromMumbai) x50 @3100; \(shop.bengaluruVendor)/\(shop.mumbai): \(fromDeccan) x50 @0"
            )
            #expect(
                try await test.scalar(
                    "SELECT bool_and(note LIKE 'Reorder suggestion:%') FROM purchase_orders WHERE status = 'draft'",
                    as: Bool.self))
        }
    }
}
