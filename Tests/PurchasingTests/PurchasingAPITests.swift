import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
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

@Suite struct PurchasingAPITests {
    static let later = Shop.date(daysFromToday: 700)

    @Test func anOrderIsApprovedReceivedInPartsBilledAndPartlyReturned() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai,
                [(shop.arnica, 100, 6_000), (shop.belladonna, 40, 7_500)]
            )
            #expect(try await shop.get("purchase-orders/\(order)")["status"] as? String == "approved")

            let first = try await shop.post(
                "goods-receipts", Shop.receipt(order: order, [(1, 60, "A1", Self.later), (2, 40, "B1", Self.later)]))
            #expect(first.status == .created, "\(String(buffer: first.body))")
            let receipt = try LiveAPI.json(first)
            let lines = try #require(receipt["lines"] as? [[String: Any]])
            #expect(lines.map { $0["batchNumber"] as? String } == ["A1", "B1"])
            #expect(lines.first?["mrp"] as? Int == 9500)
            #expect(try await shop.get("purchase-orders/\(order)")["status"] as? String == "partially_received")

            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 40, "A2", Self.later)]))
            let received = try await shop.get("purchase-orders/\(order)")
            #expect(received["status"] as? String == "received")
            #expect((received["lines"] as? [[String: Any]])?.map { $0["receivedQuantity"] as? Int } == [100, 40])

            // Billed 1 paisa above the order on line 1: a variance of 60 paise. Mumbai vendor,
            // Mumbai warehouse: CGST + SGST at the rate on the bill date (5 % from 2025-09-22).
            let billResponse = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "BHP/1042",
                    billDate: try CalendarDate(Shop.date(daysFromToday: 0)),
                    lines: [
                        .init(orderLineNumber: 1, quantity: 60, unitPrice: 6001),
                        .init(orderLineNumber: 2, quantity: 40, unitPrice: 7500),
                    ])
            )
            #expect(billResponse.status == .created, "\(String(buffer: billResponse.body))")
            let bill = try LiveAPI.json(billResponse)
            #expect(bill["supply"] as? String == "intra_state")
            #expect(bill["taxable"] as? Int == 60 * 6001 + 40 * 7500)
            #expect(bill["priceVariance"] as? Int == 60)
            #expect(bill["igst"] as? Int == 0)
            let tax = (bill["cgst"] as? Int ?? 0) + (bill["sgst"] as? Int ?? 0)
            #expect(tax == (60 * 6001 * 5 + 50) / 100 + 40 * 7500 * 5 / 100)
            #expect(bill["total"] as? Int == (bill["taxable"] as? Int ?? 0) + tax)

            // Return 50 of the 60 of batch A1: 10 of them were not billed yet (60 billed of 100 received).
            let returnResponse = try await shop.post(
                "purchase-returns",
                NewPurchaseReturn(
                    goodsReceiptId: Int64(receipt["id"] as? Int ?? 0), reason: "damaged in transit",
                    lines: [.init(receiptLineNumber: 1, quantity: 50)])
            )
            #expect(returnResponse.status == .created, "\(String(buffer: returnResponse.body))")
            #expect(
                (try LiveAPI.json(returnResponse)["lines"] as? [[String: Any]])?.first?["billedQuantity"] as? Int == 10)
            let afterReturn = try await shop.get("purchase-orders/\(order)")
            #expect(afterReturn["status"] as? String == "partially_received")
            let orderLine = try #require((afterReturn["lines"] as? [[String: Any]])?.first)
            #expect(orderLine["receivedQuantity"] as? Int == 50 && orderLine["billedQuantity"] as? Int == 50)

            let onHand = try await test.scalar(
                "SELECT string_agg(b.batch_number || '=' || s.quantity, ',' ORDER BY b.batch_number) FROM stock_on_hand s JOIN batches b ON b.id = s.batch_id",
                as: String.self
            )
            #expect(onHand == "A1=10,A2=40,B1=40")
            let events = try await test.scalar(
                "SELECT string_agg(type, ',' ORDER BY position) FROM events WHERE type NOT LIKE '%.created' AND type NOT LIKE 'auth.%'",
                as: String.self)
            #expect(
                events == "purchase_order.approved,goods.received,goods.received,vendor_bill.posted,purchase.returned")
            let movements = try await test.scalar(
                "SELECT sum((m ->> 'quantity')::bigint)::bigint FROM events, jsonb_array_elements(payload -> 'movements') m",
                as: Int.self
            )
            #expect(movements == 90)
        }
    }

    @Test func aBillFromAnotherStateIsIGST() async throws {
        try await LiveAPI.with { _, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.bengaluruVendor, warehouse: shop.mumbai, [(shop.arnica, 10, 10_000)])
            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 10, "K7", Self.later)]))
            // Dated before the 2025-09-22 rate change: 12 %.
            let bill = try LiveAPI.json(
                try await shop.post(
                    "vendor-bills",
                    NewVendorBill(
                        purchaseOrderId: Int64(order), billNumber: "DR-9", billDate: try CalendarDate("2025-09-01"),
                        lines: [.init(orderLineNumber: 1, quantity: 10, unitPrice: 9900)])
                ))
            #expect(bill["supply"] as? String == "inter_state")
            #expect(bill["igst"] as? Int == 99_000 * 12 / 100 && bill["cgst"] as? Int == 0 && bill["sgst"] as? Int == 0)
            #expect(bill["priceVariance"] as? Int == -1_000)
        }
    }

    @Test func purchasingRefusesWhatBreaksTheRulesAndWritesNothing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let draft = try await shop.create(
                "purchase-orders",
                NewPurchaseOrder(
                    vendorId: Int64(shop.mumbaiVendor), warehouseId: Int64(shop.mumbai),
                    lines: [.init(productId: Int64(shop.arnica), quantity: 5, unitCost: 100)])
            )
            let onDraft = try await shop.post("goods-receipts", Shop.receipt(order: draft, [(1, 1, "X1", Self.later)]))
            #expect(onDraft.status == .conflict)
            #expect(try LiveAPI.problem(onDraft).type == "/problems/invalid-state")

            let badOrder = try await shop.post(
                "purchase-orders",
                NewPurchaseOrder(
                    vendorId: Int64(999), warehouseId: Int64(shop.mumbai),
                    lines: [.init(productId: Int64(999), quantity: 0, unitCost: -1)])
            )
            #expect(badOrder.status == .unprocessableContent)
            #expect(try LiveAPI.problem(badOrder).errors.map(\.field) == ["lines[0].quantity", "lines[0].unitCost"])
            let unknown = try await shop.post(
                "purchase-orders",
                NewPurchaseOrder(
                    vendorId: Int64(999), warehouseId: Int64(shop.mumbai),
                    lines: [.init(productId: Int64(999), quantity: 1, unitCost: 1)])
            )
            #expect(try LiveAPI.problem(unknown).errors.map(\.field) == ["vendorId", "lines[0].productId"])

            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 10, 100)])
            let approvedAgain = try await shop.post("purchase-orders/\(order)/approve", "")
            #expect(approvedAgain.status == .conflict)

            let tooMany = try await shop.post(
                "goods-receipts", Shop.receipt(order: order, [(1, 6, "A1", Self.later), (1, 5, "A2", Self.later)]))
            #expect(tooMany.status == .unprocessableContent)
            #expect(try LiveAPI.problem(tooMany).errors.map(\.field) == ["lines[1].quantity"])
            let noLine = try await shop.post("goods-receipts", Shop.receipt(order: order, [(2, 1, "A1", Self.later)]))
            #expect(try LiveAPI.problem(noLine).errors.map(\.field) == ["lines[0].orderLineNumber"])
            let expired = try await shop.post(
                "goods-receipts", Shop.receipt(order: order, [(1, 1, "A1", Shop.date(daysFromToday: -1))]))
            #expect(try LiveAPI.problem(expired).errors.map(\.field) == ["lines[0].expiresOn"])
            let noOrder = try await shop.post("goods-receipts", Shop.receipt(order: 999, [(1, 1, "A1", Self.later)]))
            #expect(noOrder.status == .unprocessableContent)
            #expect(try LiveAPI.problem(noOrder).errors.map(\.field) == ["purchaseOrderId"])
            #expect(try await test.scalar("SELECT count(*) FROM goods_receipts", as: Int.self) == 0)
            #expect(try await test.scalar("SELECT count(*) FROM batches", as: Int.self) == 0)

            let receipt = try await shop.create(
                "goods-receipts", Shop.receipt(order: order, [(1, 4, "A1", Self.later)]))
            let otherExpiry = try await shop.post(
                "goods-receipts", Shop.receipt(order: order, [(1, 1, "A1", Shop.date(daysFromToday: 800))]))
            #expect(try LiveAPI.problem(otherExpiry).errors.map(\.field) == ["lines[0].expiresOn"])

            let cancel = try await shop.post("purchase-orders/\(order)/cancel", "")
            #expect(cancel.status == .conflict)
            let cancelled = try await shop.post("purchase-orders/\(draft)/cancel", "")
            #expect(cancelled.status == .ok)
            #expect(try LiveAPI.json(cancelled)["status"] as? String == "cancelled")

            let today = Shop.date(daysFromToday: 0)
            let overBilled = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "B1", billDate: try CalendarDate(today),
                    lines: [.init(orderLineNumber: 1, quantity: 5, unitPrice: 100)])
            )
            #expect(overBilled.status == .unprocessableContent)
            #expect(try LiveAPI.problem(overBilled).errors.map(\.field) == ["lines[0].quantity"])
            let future = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "B1", billDate: try CalendarDate(Self.later),
                    lines: [.init(orderLineNumber: 1, quantity: 1, unitPrice: 100)])
            )
            #expect(try LiveAPI.problem(future).errors.map(\.field) == ["billDate"])
            let priceless = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "B1", billDate: try CalendarDate(today),
                    lines: [.init(orderLineNumber: 1, quantity: 1, unitPrice: 9000000000000000000)])
            )
            #expect(try LiveAPI.problem(priceless).errors.map(\.field) == ["lines[0].unitPrice"])
            try await shop.create(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "B1", billDate: try CalendarDate(today),
                    lines: [.init(orderLineNumber: 1, quantity: 1, unitPrice: 100)])
            )
            let sameNumber = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "B1", billDate: try CalendarDate(today),
                    lines: [.init(orderLineNumber: 1, quantity: 1, unitPrice: 100)])
            )
            #expect(sameNumber.status == .conflict)
            #expect(try LiveAPI.problem(sameNumber).errors.map(\.field) == ["billNumber"])

            let tooMuchBack = try await shop.post(
                "purchase-returns",
                NewPurchaseReturn(
                    goodsReceiptId: Int64(receipt), reason: "short expiry",
                    lines: [.init(receiptLineNumber: 1, quantity: 5)])
            )
            #expect(tooMuchBack.status == .unprocessableContent)
            #expect(try LiveAPI.problem(tooMuchBack).errors.map(\.field) == ["lines[0].quantity"])

            #expect(try await test.scalar("SELECT count(*) FROM vendor_bills", as: Int.self) == 1)
            #expect(try await test.scalar("SELECT count(*) FROM purchase_returns", as: Int.self) == 0)
            let events = try await test.scalar(
                "SELECT string_agg(type, ',' ORDER BY position) FROM events WHERE type LIKE 'purchase_order.%'",
                as: String.self
            )
            #expect(events == "purchase_order.approved,purchase_order.cancelled")

            let cancelledOrders = try await shop.get("purchase-orders?status=cancelled")
            #expect((cancelledOrders["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [draft])
            let firstPage = try await shop.get("purchase-orders?limit=1")
            #expect((firstPage["items"] as? [Any])?.count == 1 && firstPage["nextCursor"] is String)
            #expect((try await shop.get("goods-receipts")["items"] as? [Any])?.count == 1)
        }
    }

    @Test func theSameIdempotencyKeyTwiceGivesOneReceipt() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 10, 100)])
            let body = try Shop.receipt(order: order, [(1, 4, "A1", Self.later)])
            let first = try await shop.post("goods-receipts", body, key: "grn-7")
            let again = try await shop.post("goods-receipts", body, key: "grn-7")
            #expect(first.status == .created && again.status == .created)
            #expect(try LiveAPI.json(first)["id"] as? Int == LiveAPI.json(again)["id"] as? Int)
            #expect(try await test.scalar("SELECT count(*) FROM goods_receipts", as: Int.self) == 1)
            #expect(
                try await test.scalar("SELECT count(*) FROM events WHERE type = 'goods.received'", as: Int.self) == 1)
            #expect(try await test.scalar("SELECT sum(quantity)::bigint FROM stock_on_hand", as: Int.self) == 4)
        }
    }
}
