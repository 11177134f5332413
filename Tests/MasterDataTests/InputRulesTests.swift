// The rules a first hour with the API ran into: PATCH semantics, places, GST rates, reorder figures.
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
import NIOCore
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct InputRulesTests {
    static func patch(_ http: any TestClientProtocol, _ path: String, version: Int, _ body: String) async throws
        -> TestResponse
    {
        try await http.execute(
            uri: "/api/v1/\(path)", method: .patch, headers: [.ifMatch: "\"\(version)\""],
            body: ByteBuffer(string: body))
    }

    static func events(_ test: TestDatabase, _ type: String) async throws -> Int {
        try await test.scalar("SELECT count(*)::integer FROM events WHERE type = \(type)", as: Int.self)
    }

    @Test func aPatchNamesUnknownAndImmutableFieldsAndOneThatChangesNothingRecordsNothing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            for body in [#"{"stateCode": "29"}"#, #"{"code": "BOM"}"#, #"{"colour": "blue", "name": "x"}"#] {
                let refused = try await Self.patch(http, "warehouses/\(shop.mumbai)", version: 1, body)
                #expect(refused.status == .unprocessableContent, "\(body)")
                let field = try #require(body.split(separator: "\"").dropFirst().first)
                #expect(try LiveAPI.problem(refused).errors.map(\.field) == [String(field)], "\(body)")
            }
            #expect(try await shop.get("warehouses/\(shop.mumbai)")["version"] as? Int == 1)

            let same = try await Self.patch(
                http, "warehouses/\(shop.mumbai)", version: 1, #"{"name": "Mumbai godown", "active": true}"#)
            #expect(same.status == .ok)
            #expect(try LiveAPI.json(same)["version"] as? Int == 1)
            #expect(try await Self.events(test, "warehouse.updated") == 0)
            let renamed = try await Self.patch(
                http, "warehouses/\(shop.mumbai)", version: 1, #"{"name": "Mumbai main godown"}"#)
            #expect(try LiveAPI.json(renamed)["version"] as? Int == 2)
            #expect(try await Self.events(test, "warehouse.updated") == 1)

            // A product: the same rate again changes nothing; a new rate alone is a change.
            let sameRate = try await Self.patch(
                http, "products/\(shop.arnica)", version: 1,
                #"{"gstRates": [{"effectiveFrom": "2025-09-22", "rateBasisPoints": 500}]}"#
            )
            #expect(try LiveAPI.json(sameRate)["version"] as? Int == 1)
            let newRate = try await Self.patch(
                http, "products/\(shop.arnica)", version: 1,
                #"{"gstRates": [{"effectiveFrom": "2026-04-01", "rateBasisPoints": 1200}]}"#
            )
            #expect(try LiveAPI.json(newRate)["version"] as? Int == 2)
            #expect(try await Self.events(test, "product.updated") == 1)
            let sku = try await Self.patch(http, "products/\(shop.arnica)", version: 2, #"{"sku": "NEW"}"#)
            #expect(try LiveAPI.problem(sku).errors.map(\.field) == ["sku"])
        }
    }

    @Test func aVendorsStateFollowsItsGSTINAndTheDatabaseNeverSpeaksToTheClient() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let moved = try await Self.patch(http, "vendors/\(shop.mumbaiVendor)", version: 1, #"{"stateCode": "29"}"#)
            #expect(moved.status == .unprocessableContent)
            let problem = try LiveAPI.problem(moved)
            #expect(problem.errors.map(\.field) == ["stateCode"])
            #expect(!String(buffer: moved.body).contains("constraint"))
            #expect(!String(buffer: moved.body).contains("violates"))
            // With the GSTIN removed, the state may change.
            let unregistered = try await Self.patch(
                http, "vendors/\(shop.mumbaiVendor)", version: 1, #"{"stateCode": "29", "gstin": ""}"#)
            #expect(unregistered.status == .ok)
            #expect(try LiveAPI.json(unregistered)["stateCode"] as? String == "29")
            #expect(
                try await test.scalar("SELECT count(*)::integer FROM vendors WHERE state_code = '29'", as: Int.self)
                    == 2)
        }
    }

    @Test func placesAreStatesAndUnionTerritoriesOnly() async throws {
        try await LiveAPI.with { test, http in
            for (code, status) in [
                ("99", HTTPResponse.Status.unprocessableContent), ("00", .unprocessableContent),
                ("39", .unprocessableContent), ("97", .created), ("38", .created),
            ] {
                let response = try await http.execute(
                    uri: "/api/v1/warehouses", method: .post,
                    body: ByteBuffer(string: #"{"code": "W\#(code)", "name": "Godown", "stateCode": "\#(code)"}"#)
                )
                #expect(response.status == status, "\(code)")
            }
            let vendor = try await http.execute(
                uri: "/api/v1/vendors", method: .post,
                body: ByteBuffer(string: #"{"name": "Centre", "stateCode": "99"}"#))
            #expect(try LiveAPI.problem(vendor).errors.map(\.field) == ["stateCode"])
            #expect(try await test.scalar("SELECT count(*)::integer FROM warehouses", as: Int.self) == 2)
        }
    }

    @Test func gstRatesAreBasisPointsOfARateGSTHas() async throws {
        try await LiveAPI.with { test, http in
            func product(_ sku: String, rate: String) -> String {
                Shop.product(sku: sku, name: sku, reorderLevel: 1).replacingOccurrences(
                    of: #""rateBasisPoints": 500"#, with: rate)
            }
            let percent = try await http.execute(
                uri: "/api/v1/products", method: .post,
                body: ByteBuffer(string: product("A-1", rate: #""rateBasisPoints": 5"#)))
            #expect(try LiveAPI.problem(percent).errors.map(\.field) == ["gstRates[1].rateBasisPoints"])
            #expect(try LiveAPI.problem(percent).errors.first?.message.contains("500 is 5 %") == true)
            let oldKey = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: product("A-2", rate: #""rate": 500"#)))
            #expect(
                Set(try LiveAPI.problem(oldKey).errors.map(\.field)) == [
                    "gstRates[1].rate", "gstRates[1].rateBasisPoints",
                ])
            for rate in [0, 10, 25, 100, 150, 300, 600, 750, 1200, 1800, 2800, 4000] {
                let accepted = try await http.execute(
                    uri: "/api/v1/products", method: .post,
                    body: ByteBuffer(string: product("R-\(rate)", rate: #""rateBasisPoints": \#(rate)"#))
                )
                #expect(accepted.status == .created, "\(rate)")
                #expect(
                    (try LiveAPI.json(accepted)["gstRates"] as? [[String: Any]])?.last?["rateBasisPoints"] as? Int
                        == rate)
            }
            #expect(try await test.scalar("SELECT count(*)::integer FROM products", as: Int.self) == 12)
        }
    }

    @Test func reorderFiguresAreBoundedAndOneBadDraftLeavesTheOthersDrafted() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let tooMany = Shop.product(sku: "BIG", name: "Big", reorderLevel: 20_000_000)
            #expect(
                try LiveAPI.problem(try await shop.post("products", tooMany)).errors.map(\.field) == ["reorderLevel"])

            func product(_ sku: String, vendor: Int) async throws -> Int {
                try await shop.create(
                    "products",
                    Shop.product(sku: sku, name: sku, reorderLevel: 10)
                        .replacingOccurrences(
                            of: #""reorderLevel""#, with: #""preferredVendorId": \#(vendor), "reorderLevel""#)
                )
            }
            let good = try await product("GOOD", vendor: shop.mumbaiVendor)
            let bad = try await product("BAD", vendor: shop.bengaluruVendor)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(good, 5, 100), (bad, 5, 100)])
            try await shop.create(
                "goods-receipts",
                Shop.receipt(
                    order: order,
                    [(1, 5, "G1", Shop.date(daysFromToday: 300)), (2, 5, "B1", Shop.date(daysFromToday: 300))]))
            // Figures from before the bound: more than any order line may carry.
            try await test.execute(
                "UPDATE products SET reorder_level = 20000000, reorder_quantity = 20000000 WHERE id = \(bad)")

            try await test.withPool { client in
                let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
                try await test.withRunners([configuration], handlers: [ReorderSuggestions(client: client)]) {
                    try await test.withConnection { connection in
                        _ = try await JobQueue.enqueue(
                            NewJob(kind: ReorderSuggestions.kind, maxAttempts: 1), on: connection, logger: test.logger)
                    }
                    try await eventually("the run failed") {
                        try await test.scalar(
                            "SELECT count(*)::integer FROM job_history WHERE state = 'dead'", as: Int.self) == 1
                    }
                }
            }
            let error = try await test.scalar("SELECT last_error FROM job_history", as: String.self)
            #expect(
                error.contains("vendor \(shop.bengaluruVendor) (Deccan Remedies) × warehouse \(shop.mumbai) (MUM)"),
                "\(error)")
            #expect(error.contains("quantity"))
            let drafted = try await test.scalar(
                "SELECT string_agg(o.vendor_id || ':' || l.product_id, ',') FROM purchase_orders o JOIN purchase_order_lines l ON l.order_id = o.id WHERE o.status = 'draft'",
                as: String.self
            )
            #expect(drafted == "\(shop.mumbaiVendor):\(good)")
        }
    }

    @Test func messagesNameWarehousesAndProductsAsPeopleKnowThemAndCountDaysRight() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 5, 100)])
            try await shop.create(
                "goods-receipts", Shop.receipt(order: order, [(1, 5, "T1", Shop.date(daysFromToday: 1))]))
            try await LiveAPI.catchUpProjections(test)
            let message = try await test.scalar(
                "SELECT message FROM notifications WHERE kind = 'batch_expiring'", as: String.self)
            #expect(message.contains("in 1 day"), "\(message)")
            #expect(!message.contains("1 days"))
            #expect(message.contains("MUM (warehouse \(shop.mumbai))"), "\(message)")

            let issue = try await shop.post(
                "stock-issues",
                #"{"warehouseId": \#(shop.mumbai), "lines": \#(Shop.stockLines([(shop.arnica, "T1", 9)]))}"#
            )
            #expect(issue.status == .conflict)
            let detail = try LiveAPI.problem(issue).detail
            #expect(
                detail.contains("ARN-30C (product \(shop.arnica))")
                    && detail.contains("MUM (warehouse \(shop.mumbai))"), "\(detail)")
        }
    }

    @Test func aDraftOrderCanBeEditedUntilItIsApproved() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let body =
                #"{"vendorId": \#(shop.mumbaiVendor), "warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(shop.arnica), "quantity": 10, "unitCost": 4000}]}"#
            let order = try await shop.create("purchase-orders", body)
            let edit = #"""
                {"vendorId": \#(shop.bengaluruVendor), "warehouseId": \#(shop.bengaluru), "expectedOn": "2027-01-15", "note": "rush",
                 "lines": [{"productId": \#(shop.belladonna), "quantity": 5, "unitCost": 3000}, {"productId": \#(shop.arnica), "quantity": 2, "unitCost": 4100}]}
                """#
            #expect(
                try await Self.patch(http, "purchase-orders/\(order)", version: 2, edit).status == .preconditionFailed)
            let unversioned = try await http.execute(
                uri: "/api/v1/purchase-orders/\(order)", method: .patch, body: ByteBuffer(string: edit))
            #expect(unversioned.status == .preconditionRequired)
            let edited = try await Self.patch(http, "purchase-orders/\(order)", version: 1, edit)
            #expect(edited.status == .ok, "\(String(buffer: edited.body))")
            let document = try LiveAPI.json(edited)
            #expect(document["version"] as? Int == 2)
            #expect(document["vendorId"] as? Int == shop.bengaluruVendor)
            #expect(document["expectedOn"] as? String == "2027-01-15")
            #expect(
                (document["lines"] as? [[String: Any]])?.map { $0["productId"] as? Int } == [
                    shop.belladonna, shop.arnica,
                ])
            #expect(document["total"] as? Int == 5 * 3000 + 2 * 4100)
            #expect(try await Self.events(test, "purchase_order.updated") == 1)

            // The same again changes nothing; an unknown product is refused, writing nothing.
            let same = try await Self.patch(http, "purchase-orders/\(order)", version: 2, edit)
            #expect(try LiveAPI.json(same)["version"] as? Int == 2)
            let unknown = try await Self.patch(
                http, "purchase-orders/\(order)", version: 2,
                #"{"lines": [{"productId": 999, "quantity": 1, "unitCost": 1}]}"#
            )
            #expect(try LiveAPI.problem(unknown).errors.map(\.field) == ["lines[0].productId"])
            #expect(try await Self.events(test, "purchase_order.updated") == 1)

            try await shop.create("purchase-orders/\(order)/approve", "")
            let late = try await Self.patch(http, "purchase-orders/\(order)", version: 2, #"{"note": "too late"}"#)
            #expect(late.status == .conflict)
            #expect(
                try await test.scalar("SELECT note FROM purchase_orders WHERE id = \(order)", as: String.self) == "rush"
            )
        }
    }
}
