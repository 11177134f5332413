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

@Suite struct StockAPITests {
    static let later = Shop.date(daysFromToday: 700)

    /// A shop with 20 of Arnica batch A1 and 10 of Belladonna batch B1 in Mumbai.
    static func stocked(_ http: any TestClientProtocol) async throws -> Shop {
        let shop = try await Shop.open(http)
        let order = try await shop.approvedOrder(
            vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 20, 5_000), (shop.belladonna, 10, 8_000)]
        )
        try await shop.create(
            "goods-receipts", Shop.receipt(order: order, [(1, 20, "A1", later), (2, 10, "B1", later)]))
        return shop
    }

    static func onHand(_ test: TestDatabase) async throws -> String {
        try await test.scalar(
            """
            SELECT string_agg(w.code || '/' || b.batch_number || '=' || s.quantity, ',' ORDER BY w.code, b.batch_number)
              FROM stock_on_hand s JOIN batches b ON b.id = s.batch_id JOIN warehouses w ON w.id = s.warehouse_id
            """,
            as: String.self
        )
    }

    @Test func issuesTransfersAndAdjustmentsMoveStock() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.stocked(http)
            let issue = try await shop.post(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai), reference: "CM-12", lines: Shop.lines([(shop.arnica, "A1", 5)]))
            )
            #expect(issue.status == .created)
            let issued = try LiveAPI.json(issue)
            #expect(issued["kind"] as? String == "issue" && issued["reference"] as? String == "CM-12")
            #expect(
                try await shop.get("stock-issues/\(issued["id"] as? Int ?? 0)")["id"] as? Int == issued["id"] as? Int)

            try await shop.create(
                "stock-transfers",
                NewStockTransfer(
                    fromWarehouseId: Int64(shop.mumbai), toWarehouseId: Int64(shop.bengaluru),
                    lines: Shop.lines([(shop.arnica, "A1", 6), (shop.belladonna, "B1", 10)]))
            )
            try await shop.create(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.bengaluru), reason: "count",
                    lines: Shop.lines([(shop.arnica, "A1", -1), (shop.belladonna, "B1", 2)]))
            )
            #expect(try await Self.onHand(test) == "BLR/A1=5,BLR/B1=12,MUM/A1=9,MUM/B1=0")
            let types = try await test.scalar(
                "SELECT string_agg(type, ',' ORDER BY position) FROM events WHERE type LIKE 'stock.%'", as: String.self
            )
            #expect(types == "stock.issued,stock.transferred,stock.adjusted")
            let transfer = try await test.scalar(
                "SELECT payload -> 'movements' ->> 0 FROM events WHERE type = 'stock.transferred'", as: String.self
            )
            #expect(transfer.contains(#""quantity": -6"#))
        }
    }

    @Test func stockCommandsRefuseWhatBreaksTheRulesAndWriteNothing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.stocked(http)
            let before = try await Self.onHand(test)

            let short = try await shop.post(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(shop.belladonna, "B1", 3), (shop.arnica, "A1", 21)]))
            )
            #expect(short.status == .conflict)
            let problem = try LiveAPI.problem(short)
            #expect(problem.type == "/problems/insufficient-stock")
            #expect(problem.errors.map(\.field) == ["lines[1].quantity"])
            #expect(problem.errors.first?.message == "only 20 available")
            #expect(problem.detail.contains("lines[1]") && problem.detail.contains("20 available"))

            let elsewhere = try await shop.post(
                "stock-transfers",
                NewStockTransfer(
                    fromWarehouseId: Int64(shop.bengaluru), toWarehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(shop.arnica, "A1", 1)]))
            )
            #expect(elsewhere.status == .conflict)
            #expect(try LiveAPI.problem(elsewhere).errors.first?.message == "only 0 available")

            let bad = try await shop.post(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(shop.arnica, "A 1", 0), (shop.arnica, "NOPE", 1), (999, "A1", 1)]))
            )
            #expect(bad.status == .unprocessableContent)
            #expect(try LiveAPI.problem(bad).errors.map(\.field) == ["lines[0].batchNumber", "lines[0].quantity"])
            let unknown = try await shop.post(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai), lines: Shop.lines([(shop.arnica, "NOPE", 1), (999, "A1", 1)]))
            )
            #expect(try LiveAPI.problem(unknown).errors.map(\.field) == ["lines[0].batchNumber", "lines[1].productId"])
            let noWarehouse = try await shop.post(
                "stock-issues", NewStockIssue(warehouseId: 999, lines: Shop.lines([(shop.arnica, "A1", 1)])))
            #expect(try LiveAPI.problem(noWarehouse).errors.map(\.field) == ["warehouseId"])
            let sameWarehouse = try await shop.post(
                "stock-transfers",
                NewStockTransfer(
                    fromWarehouseId: Int64(shop.mumbai), toWarehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(shop.arnica, "A1", 1)]))
            )
            #expect(try LiveAPI.problem(sameWarehouse).errors.map(\.field) == ["toWarehouseId"])
            let noReason = try await shop.post(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.mumbai), reason: "whim", lines: Shop.lines([(shop.arnica, "A1", 1)]))
            )
            #expect(try LiveAPI.problem(noReason).errors.map(\.field) == ["reason"])
            let huge = try await shop.post(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.mumbai), reason: "count",
                    lines: Shop.lines([(shop.arnica, "A1", -9_000_000_000_000_000_000)]))
            )
            #expect(try LiveAPI.problem(huge).errors.map(\.field) == ["lines[0].quantity"])
            let repeated = try await shop.post(
                "stock-issues",
                NewStockIssue(
                    warehouseId: Int64(shop.mumbai),
                    lines: Shop.lines([(shop.arnica, "A1", 1), (shop.belladonna, "B1", 1), (shop.arnica, "A1", 2)]))
            )
            #expect(try LiveAPI.problem(repeated).errors.map(\.field) == ["lines[2]"])
            let empty = try await shop.post("stock-issues", #"{"warehouseId": \#(shop.mumbai), "lines": []}"#)
            #expect(try LiveAPI.problem(empty).errors.map(\.field) == ["lines"])
            let wrongType = try await shop.post("stock-issues", #"{"warehouseId": "MUM", "lines": []}"#)
            #expect(try LiveAPI.problem(wrongType).errors.map(\.field) == ["warehouseId"])

            // Time passes: batch A1 expires. It cannot be issued, transferred or adjusted up;
            // an adjustment down (reason expiry) takes it out.
            try await test.execute("UPDATE batches SET expires_on = business_date() - 1 WHERE batch_number = 'A1'")
            let expiredIssue = try await shop.post(
                "stock-issues",
                NewStockIssue(warehouseId: Int64(shop.mumbai), lines: Shop.lines([(shop.arnica, "A1", 1)])))
            #expect(expiredIssue.status == .unprocessableContent)
            #expect(try LiveAPI.problem(expiredIssue).errors.map(\.field) == ["lines[0].batchNumber"])
            let expiredTransfer = try await shop.post(
                "stock-transfers",
                NewStockTransfer(
                    fromWarehouseId: Int64(shop.mumbai), toWarehouseId: Int64(shop.bengaluru),
                    lines: Shop.lines([(shop.arnica, "A1", 1)]))
            )
            #expect(expiredTransfer.status == .unprocessableContent)
            let expiredUp = try await shop.post(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.mumbai), reason: "count", lines: Shop.lines([(shop.arnica, "A1", 1)]))
            )
            #expect(expiredUp.status == .unprocessableContent)
            #expect(try await Self.onHand(test) == before)
            #expect(try await test.scalar("SELECT count(*) FROM stock_documents", as: Int.self) == 0)
            #expect(try await test.scalar("SELECT count(*) FROM events WHERE type LIKE 'stock.%'", as: Int.self) == 0)

            try await shop.create(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.mumbai), reason: "expiry", lines: Shop.lines([(shop.arnica, "A1", -20)]))
            )
            #expect(try await Self.onHand(test) == "MUM/A1=0,MUM/B1=10")
        }
    }

    @Test func twentyConcurrentIssuesOfOneAgainstTenOnHand() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.belladonna, 10, 100)])
            try await shop.create("goods-receipts", Shop.receipt(order: order, [(1, 10, "B1", Self.later)]))
            let body = NewStockIssue(warehouseId: Int64(shop.mumbai), lines: Shop.lines([(shop.belladonna, "B1", 1)]))
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await shop.post("stock-issues", body).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 10)
            #expect(statuses.filter { $0 == .conflict }.count == 10)
            #expect(try await test.scalar("SELECT quantity FROM stock_on_hand", as: Int.self) == 0)
            #expect(
                try await test.scalar("SELECT count(*) FROM events WHERE type = 'stock.issued'", as: Int.self) == 10)
        }
    }
}
