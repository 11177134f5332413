// A small distributor set up over the live API: warehouses, vendors, products, and
// shortcuts for the documents inventory tests post.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
public import Foundation
import HTTPTypes
public import HummingbirdTesting
public import Inventory
import MasterData
import NIOCore
import NIOFoundationCompat
import Notifications
public import Purchasing
import Testing

/// A small distributor set up over the live API, and shortcuts for the documents tests post.
public struct Shop: Sendable {
    /// The API client.
    public let http: any TestClientProtocol
    /// Mumbai (27) and Bengaluru (29).
    public var mumbai: Int = 0
    /// The Bengaluru warehouse (state 29).
    public var bengaluru: Int = 0
    /// A Maharashtra vendor (intra-state for Mumbai) and a Karnataka one.
    public var mumbaiVendor: Int = 0
    /// A Karnataka vendor (inter-state for Mumbai).
    public var bengaluruVendor: Int = 0
    /// Arnica 30C (reorder level 10) and Belladonna 200C (reorder level 0).
    public var arnica: Int = 0
    /// Belladonna 200C, reorder level 0.
    public var belladonna: Int = 0

    /// A shop with nothing set up yet, over `http`.
    public init(http: any TestClientProtocol) {
        self.http = http
    }

    /// Sets up the warehouses, vendors and products over `http`.
    public static func open(_ http: any TestClientProtocol) async throws -> Shop {
        var shop = Shop(http: http)
        shop.mumbai = try await shop.create(
            "warehouses", NewWarehouse(code: "MUM", name: "Mumbai godown", stateCode: "27"))
        shop.bengaluru = try await shop.create(
            "warehouses", NewWarehouse(code: "BLR", name: "Bengaluru godown", stateCode: "29"))
        shop.mumbaiVendor = try await shop.create(
            "vendors", NewVendor(name: "Bharat Homoeo Pharma", gstin: "27AAPFU0939F1ZV"))
        shop.bengaluruVendor = try await shop.create(
            "vendors", NewVendor(name: "Deccan Remedies", gstin: "29AAGCB7383J1Z4"))
        shop.arnica = try await shop.create(
            "products", Self.product(sku: "ARN-30C", name: "Arnica Montana 30C", reorderLevel: 10))
        shop.belladonna = try await shop.create(
            "products", Self.product(sku: "BELL-200C", name: "Belladonna 200C", reorderLevel: 0))
        return shop
    }

    /// A product body with two GST rates (12 % from 2017, 5 % from 2025-09-22).
    public static func product(sku: String, name: String, reorderLevel: Int) -> String {
        """
        {"sku": "\(sku)", "name": "\(name)", "form": "dilution", "potency": "30C", "packSize": 30, "packUnit": "ml",
         "hsnCode": "30049014", "mrp": 9500, "reorderLevel": \(reorderLevel), "reorderQuantity": 50,
         "gstRates": [{"effectiveFrom": "2017-07-01", "rateBasisPoints": 1200}, {"effectiveFrom": "2025-09-22", "rateBasisPoints": 500}]}
        """
    }

    /// POSTs `body` to `/api/v1/<path>`, with an Idempotency-Key when given.
    public func post(_ path: String, _ body: String, key: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.idempotencyKey] = key }
        return try await http.execute(
            uri: "/api/v1/\(path)", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// GETs `/api/v1/<path>` and expects 200; the JSON object.
    public func get(_ path: String) async throws -> [String: Any] {
        let response = try await http.execute(uri: "/api/v1/\(path)", method: .get)
        #expect(response.status == .ok, "GET \(path): \(String(buffer: response.body))")
        return try LiveAPI.json(response)
    }

    /// POSTs and expects 201 or 200; returns the id.
    @discardableResult
    public func create(_ path: String, _ body: String) async throws -> Int {
        let response = try await post(path, body)
        guard response.status == .created || response.status == .ok else {
            throw SetupError("POST \(path) answered \(response.status): \(String(buffer: response.body))")
        }
        return try #require(try LiveAPI.json(response)["id"] as? Int)
    }

    /// Creates and approves an order; `lines` are (product, quantity, unit cost in paise).
    public func approvedOrder(vendor: Int, warehouse: Int, _ lines: [(product: Int, quantity: Int, unitCost: Int)])
        async throws -> Int
    {
        let order = NewPurchaseOrder(
            vendorId: Int64(vendor), warehouseId: Int64(warehouse),
            lines: lines.map {
                .init(productId: Int64($0.product), quantity: Int64($0.quantity), unitCost: Int64($0.unitCost))
            }
        )
        let id = try await create("purchase-orders", order)
        try await create("purchase-orders/\(id)/approve", "")
        return id
    }

    /// A goods receipt body; `lines` are (order line, quantity, batch, expiry as YYYY-MM-DD).
    ///
    /// - Throws: When an expiry is not a date.
    public static func receipt(order: Int, _ lines: [(line: Int, quantity: Int, batch: String, expiresOn: String)])
        throws -> NewGoodsReceipt
    {
        NewGoodsReceipt(
            purchaseOrderId: Int64(order),
            lines: try lines.map {
                .init(
                    orderLineNumber: $0.line, quantity: Int64($0.quantity), batchNumber: $0.batch,
                    expiresOn: try CalendarDate($0.expiresOn))
            })
    }

    /// Stock document lines from (product, batch, quantity).
    public static func lines(_ lines: [(product: Int, batch: String, quantity: Int)]) -> [StockLine] {
        lines.map { StockLine(productId: Int64($0.product), batchNumber: $0.batch, quantity: Int64($0.quantity)) }
    }

    /// The JSON of stock document lines, for bodies a test means to break; `lines` are
    /// (product, batch, quantity).
    public static func stockLines(_ lines: [(product: Int, batch: String, quantity: Int)]) -> String {
        "["
            + lines.map {
                #"{"productId": \#($0.product), "batchNumber": "\#($0.batch)", "quantity": \#($0.quantity)}"#
            }.joined(separator: ",") + "]"
    }

    /// The business date (India) `days` from today, as YYYY-MM-DD.
    public static func date(daysFromToday days: Int) -> String {
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
    /// Encodes command bodies, keys sorted.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// POSTs `body` to `/api/v1/<path>`, with an Idempotency-Key when given.
    public func post(_ path: String, _ body: some Encodable, key: String? = nil) async throws -> TestResponse {
        try await post(path, String(decoding: try Self.encoder.encode(body), as: UTF8.self), key: key)
    }

    /// POSTs `body` and expects 201 or 200; returns the id.
    @discardableResult
    public func create(_ path: String, _ body: some Encodable) async throws -> Int {
        try await create(path, String(decoding: try Self.encoder.encode(body), as: UTF8.self))
    }

    /// PATCHes `body` with If-Match `version` and expects 200.
    public func patch(_ path: String, version: Int, _ body: some Encodable) async throws {
        let response = try await http.execute(
            uri: "/api/v1/\(path)", method: .patch, headers: [.ifMatch: "\"\(version)\""],
            body: ByteBuffer(data: try Self.encoder.encode(body)))
        guard response.status == .ok else {
            throw SetupError("PATCH \(path) answered \(response.status): \(String(buffer: response.body))")
        }
    }

    /// GETs `path` and decodes the answer as `type`.
    public func get<Document: Decodable>(_ path: String, as type: Document.Type) async throws -> Document {
        let response = try await http.execute(uri: "/api/v1/\(path)", method: .get)
        guard response.status == .ok else {
            throw SetupError("GET \(path) answered \(response.status): \(String(buffer: response.body))")
        }
        return try PostgresJSON.decoder().decode(type, from: Data(buffer: response.body))
    }
}
