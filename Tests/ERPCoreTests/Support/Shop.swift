// A small distributor set up over the live API: warehouses, vendors, products, and
// shortcuts for the documents inventory tests post.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import MasterData
import NIOCore
import NIOFoundationCompat
import Notifications
import Purchasing
import Testing

struct Shop {
    let http: any TestClientProtocol
    /// Mumbai (27) and Bengaluru (29).
    var mumbai: Int = 0
    var bengaluru: Int = 0
    /// A Maharashtra vendor (intra-state for Mumbai) and a Karnataka one.
    var mumbaiVendor: Int = 0
    var bengaluruVendor: Int = 0
    /// Arnica 30C (reorder level 10) and Belladonna 200C (reorder level 0).
    var arnica: Int = 0
    var belladonna: Int = 0

    static func open(_ http: any TestClientProtocol) async throws -> Shop {
        var shop = Shop(http: http)
        shop.mumbai = try await shop.create(
            "warehouses", #"{"code": "MUM", "name": "Mumbai godown", "stateCode": "27"}"#)
        shop.bengaluru = try await shop.create(
            "warehouses", #"{"code": "BLR", "name": "Bengaluru godown", "stateCode": "29"}"#)
        shop.mumbaiVendor = try await shop.create(
            "vendors", #"{"name": "Bharat Homoeo Pharma", "gstin": "27AAPFU0939F1ZV"}"#)
        shop.bengaluruVendor = try await shop.create(
            "vendors", #"{"name": "Deccan Remedies", "gstin": "29AAGCB7383J1Z4"}"#)
        shop.arnica = try await shop.create(
            "products", Self.product(sku: "ARN-30C", name: "Arnica Montana 30C", reorderLevel: 10))
        shop.belladonna = try await shop.create(
            "products", Self.product(sku: "BELL-200C", name: "Belladonna 200C", reorderLevel: 0))
        return shop
    }

    static func product(sku: String, name: String, reorderLevel: Int) -> String {
        """
        {"sku": "\(sku)", "name": "\(name)", "form": "dilution", "potency": "30C", "packSize": 30, "packUnit": "ml",
         "hsnCode": "30049014", "mrp": 9500, "reorderLevel": \(reorderLevel), "reorderQuantity": 50,
         "gstRates": [{"effectiveFrom": "2017-07-01", "rateBasisPoints": 1200}, {"effectiveFrom": "2025-09-22", "rateBasisPoints": 500}]}
        """
    }

    func post(_ path: String, _ body: String, key: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.idempotencyKey] = key }
        return try await http.execute(
            uri: "/api/v1/\(path)", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func get(_ path: String) async throws -> [String: Any] {
        let response = try await http.execute(uri: "/api/v1/\(path)", method: .get)
        #expect(response.status == .ok, "GET \(path): \(String(buffer: response.body))")
        return try LiveAPI.json(response)
    }

    /// POSTs and expects 201 or 200; returns the id.
    @discardableResult
    func create(_ path: String, _ body: String) async throws -> Int {
        let response = try await post(path, body)
        guard response.status == .created || response.status == .ok else {
            throw SetupError("POST \(path) answered \(response.status): \(String(buffer: response.body))")
        }
        return try #require(try LiveAPI.json(response)["id"] as? Int)
    }

    /// Creates and approves an order; `lines` are (product, quantity, unit cost in paise).
    func approvedOrder(vendor: Int, warehouse: Int, _ lines: [(product: Int, quantity: Int, unitCost: Int)])
        async throws -> Int
    {
        let body = lines.map {
            #"{"productId": \#($0.product), "quantity": \#($0.quantity), "unitCost": \#($0.unitCost)}"#
        }
        let id = try await create(
            "purchase-orders",
            #"{"vendorId": \#(vendor), "warehouseId": \#(warehouse), "lines": [\#(body.joined(separator: ","))]}"#)
        try await create("purchase-orders/\(id)/approve", "")
        return id
    }

    /// A goods receipt body; `lines` are (order line, quantity, batch, expiry).
    static func receipt(order: Int, _ lines: [(line: Int, quantity: Int, batch: String, expiresOn: String)]) -> String {
        let body = lines.map {
            #"{"orderLineNumber": \#($0.line), "quantity": \#($0.quantity), "batchNumber": "\#($0.batch)", "expiresOn": "\#($0.expiresOn)"}"#
        }
        return #"{"purchaseOrderId": \#(order), "lines": [\#(body.joined(separator: ","))]}"#
    }

    /// A stock document body for issues and adjustments; `lines` are (product, batch, quantity).
    static func stockLines(_ lines: [(product: Int, batch: String, quantity: Int)]) -> String {
        "["
            + lines.map {
                #"{"productId": \#($0.product), "batchNumber": "\#($0.batch)", "quantity": \#($0.quantity)}"#
            }.joined(separator: ",") + "]"
    }

    /// The business date (India) `days` from today, as YYYY-MM-DD.
    static func date(daysFromToday days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Kolkata") ?? .gmt
        let day = calendar.date(byAdding: .day, value: days, to: Date()) ?? Date()
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

/// Bodies built from the server's own Codable command types, and answers decoded into
/// its document types.
extension Shop {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    func post(_ path: String, _ body: some Encodable, key: String? = nil) async throws -> TestResponse {
        try await post(path, String(decoding: try Self.encoder.encode(body), as: UTF8.self), key: key)
    }

    /// POSTs `body` and expects 201 or 200; returns the id.
    @discardableResult
    func create(_ path: String, _ body: some Encodable) async throws -> Int {
        try await create(path, String(decoding: try Self.encoder.encode(body), as: UTF8.self))
    }

    /// PATCHes `body` with If-Match `version` and expects 200.
    func patch(_ path: String, version: Int, _ body: some Encodable) async throws {
        let response = try await http.execute(
            uri: "/api/v1/\(path)", method: .patch, headers: [.ifMatch: "\"\(version)\""],
            body: ByteBuffer(data: try Self.encoder.encode(body)))
        guard response.status == .ok else {
            throw SetupError("PATCH \(path) answered \(response.status): \(String(buffer: response.body))")
        }
    }

    /// GETs `path` and decodes the answer as `type`.
    func get<Document: Decodable>(_ path: String, as type: Document.Type) async throws -> Document {
        let response = try await http.execute(uri: "/api/v1/\(path)", method: .get)
        guard response.status == .ok else {
            throw SetupError("GET \(path) answered \(response.status): \(String(buffer: response.body))")
        }
        return try PostgresJSON.decoder().decode(type, from: Data(buffer: response.body))
    }
}
