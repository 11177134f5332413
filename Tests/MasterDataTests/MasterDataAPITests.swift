import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inventory
import MasterData
import NIOCore
import NIOFoundationCompat
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct MasterDataAPITests {
    static let arnica = #"""
        {"sku": "ARN-30C-30", "name": "Arnica Montana 30C dilution", "brand": "SBL", "potency": "30C",
         "form": "dilution", "packSize": 30, "packUnit": "ml", "hsnCode": "30049011", "mrp": 12000,
         "reorderLevel": 20, "reorderQuantity": 100, "shelfLifeDays": 1825,
         "gstRates": [{"effectiveFrom": "2017-07-01", "rateBasisPoints": 1200}, {"effectiveFrom": "2025-09-22", "rateBasisPoints": 500}]}
        """#

    @Test func createReadListAndUpdateAProduct() async throws {
        try await LiveAPI.with { test, http in
            let created = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: Self.arnica))
            #expect(created.status == .created)
            let product = try LiveAPI.json(created)
            let id = try #require(product["id"] as? Int)
            #expect(product["sku"] as? String == "ARN-30C-30")
            #expect(product["version"] as? Int == 1)
            #expect((product["gstRates"] as? [Any])?.count == 2)

            let fetched = try await http.execute(uri: "/api/v1/products/\(id)", method: .get)
            #expect(fetched.status == .ok)
            #expect(try LiveAPI.json(fetched)["name"] as? String == "Arnica Montana 30C dilution")

            let patched = try await http.execute(
                uri: "/api/v1/products/\(id)", method: .patch, headers: [.ifMatch: "\"1\""],
                body: ByteBuffer(string: #"{"reorderLevel": 40, "brand": "", "active": false}"#)
            )
            #expect(patched.status == .ok)
            let updated = try LiveAPI.json(patched)
            #expect(
                updated["version"] as? Int == 2 && updated["reorderLevel"] as? Int == 40
                    && updated["active"] as? Bool == false)
            #expect(updated["brand"] is NSNull)

            let stale = try await http.execute(
                uri: "/api/v1/products/\(id)", method: .patch, headers: [.ifMatch: "\"1\""],
                body: ByteBuffer(string: #"{"mrp": 1}"#)
            )
            #expect(stale.status == .preconditionFailed)
            let unversioned = try await http.execute(
                uri: "/api/v1/products/\(id)", method: .patch, body: ByteBuffer(string: #"{"mrp": 1}"#))
            #expect(unversioned.status == .preconditionRequired)

            let inactive = try LiveAPI.json(try await http.execute(uri: "/api/v1/products?active=false", method: .get))
            #expect((inactive["items"] as? [Any])?.count == 1)

            // Created at version 1, then updated: two events holding the whole product.
            let events = try await test.scalar(
                """
                SELECT string_agg(type || ':' || (payload ->> 'version'), ',' ORDER BY position) FROM events
                 WHERE aggregate_type = 'product'
                """,
                as: String.self
            )
            #expect(events == "product.created:1,product.updated:2")
            let rates = try await test.scalar(
                "SELECT jsonb_array_length(payload -> 'gstRates') FROM events WHERE type = 'product.created'",
                as: Int.self)
            #expect(rates == 2)
        }
    }

    @Test func listsPageWithACursorAndSearch() async throws {
        try await LiveAPI.with { _, http in
            for index in 1...5 {
                let body = #"{"code": "WH\#(index)", "name": "Godown \#(index)", "stateCode": "27"}"#
                #expect(
                    try await http.execute(uri: "/api/v1/warehouses", method: .post, body: ByteBuffer(string: body))
                        .status == .created)
            }
            var codes: [String] = []
            var cursor: String? = nil
            repeat {
                let uri = "/api/v1/warehouses?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try LiveAPI.json(try await http.execute(uri: uri, method: .get))
                codes += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(codes == ["WH1", "WH2", "WH3", "WH4", "WH5"])
            let found = try LiveAPI.json(try await http.execute(uri: "/api/v1/warehouses?q=godown%203", method: .get))
            #expect((found["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["WH3"])
            let bad = try await http.execute(uri: "/api/v1/warehouses?limit=0&cursor=nonsense", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try LiveAPI.problem(bad).errors.map(\.field) == ["limit", "cursor"])
        }
    }

    @Test func badInputIsAProblemThatNamesTheFieldAndWritesNothing() async throws {
        try await LiveAPI.with { test, http in
            let malformed = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: "{\"sku\": "))
            #expect(malformed.status == .badRequest)
            #expect(try LiveAPI.problem(malformed).type == "/problems/malformed-json")

            let missing = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: #"{"sku": "X"}"#))
            #expect(missing.status == .unprocessableContent)
            #expect(try LiveAPI.problem(missing).errors.first?.field == "name")

            let wrongType = Self.arnica.replacingOccurrences(of: #""packSize": 30"#, with: #""packSize": "thirty""#)
            let typed = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: wrongType))
            #expect(typed.status == .unprocessableContent)
            #expect(try LiveAPI.problem(typed).errors.map(\.field) == ["packSize"])

            let invalid = Self.arnica
                .replacingOccurrences(of: #""hsnCode": "30049011""#, with: #""hsnCode": "30049""#)
                .replacingOccurrences(of: #""mrp": 12000"#, with: #""mrp": -1"#)
                .replacingOccurrences(of: #""rateBasisPoints": 500"#, with: #""rateBasisPoints": 50000"#)
            let refused = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: invalid))
            #expect(refused.status == .unprocessableContent)
            #expect(
                try LiveAPI.problem(refused).errors.map(\.field) == ["hsnCode", "mrp", "gstRates[1].rateBasisPoints"])

            let badDate = Self.arnica.replacingOccurrences(of: "2025-09-22", with: "2025-02-30")
            let dated = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: badDate))
            #expect(try LiveAPI.problem(dated).errors.map(\.field) == ["gstRates[1].effectiveFrom"])

            let vendor = try await http.execute(
                uri: "/api/v1/vendors", method: .post,
                body: ByteBuffer(string: #"{"name": "Bharat Pharma", "gstin": "27AAPFU0939F1ZW"}"#)
            )
            #expect(vendor.status == .unprocessableContent)
            #expect(try LiveAPI.problem(vendor).errors.map(\.field) == ["gstin"])

            let huge = "{\"name\": \"" + String(repeating: "x", count: 300_000) + "\"}"
            let tooLarge = try await http.execute(uri: "/api/v1/vendors", method: .post, body: ByteBuffer(string: huge))
            #expect(tooLarge.status == .contentTooLarge)

            let unknown = try await http.execute(uri: "/api/v1/products/999999", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try LiveAPI.problem(unknown).status == 404)
            #expect(try await http.execute(uri: "/api/v1/products/abc", method: .get).status == .notFound)

            #expect(
                try await http.execute(uri: "/api/v1/products", method: .post, body: ByteBuffer(string: Self.arnica))
                    .status == .created)
            let duplicate = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: Self.arnica))
            #expect(duplicate.status == .conflict)
            #expect(try LiveAPI.problem(duplicate).errors.map(\.field) == ["sku"])

            #expect(try await test.scalar("SELECT count(*) FROM products", as: Int.self) == 1)
            #expect(try await test.scalar("SELECT count(*) FROM vendors", as: Int.self) == 0)
        }
    }

    @Test func aRetriedCommandWithTheSameIdempotencyKeyWritesOnce() async throws {
        try await LiveAPI.with { test, http in
            let body = #"{"name": "Bharat Pharma", "gstin": "27AAPFU0939F1ZV", "paymentTermsDays": 45}"#
            let first = try await http.execute(
                uri: "/api/v1/vendors", method: .post, headers: [.idempotencyKey: "vendor-1"],
                body: ByteBuffer(string: body)
            )
            let second = try await http.execute(
                uri: "/api/v1/vendors", method: .post, headers: [.idempotencyKey: "vendor-1"],
                body: ByteBuffer(string: body)
            )
            #expect(first.status == .created && second.status == .created)
            #expect(try LiveAPI.json(first)["id"] as? Int == LiveAPI.json(second)["id"] as? Int)
            #expect(try LiveAPI.json(first)["stateCode"] as? String == "27")
            #expect(try await test.scalar("SELECT count(*) FROM vendors", as: Int.self) == 1)
            #expect(
                try await test.scalar("SELECT count(*) FROM events WHERE type = 'vendor.created'", as: Int.self) == 1)

            let changed = try await http.execute(
                uri: "/api/v1/vendors", method: .post, headers: [.idempotencyKey: "vendor-1"],
                body: ByteBuffer(string: body.replacingOccurrences(of: "45", with: "60"))
            )
            #expect(changed.status == .unprocessableContent)
            #expect(try LiveAPI.problem(changed).type == "/problems/idempotency-key-reused")
        }
    }
}
