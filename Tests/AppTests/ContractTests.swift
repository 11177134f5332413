// The typed contracts between the parts: event types, job kinds and queues, permissions,
// and the payloads and documents Swift reads.
import AsyncHTTPClient
import ERPApp
import ERPEvents
import ERPHTTP
import ERPJobs
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Finance
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
import Sales
import Testing
import Users

@Suite struct ContractTests {
    static let modules = Modules.list()
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appending(path: "Sources")

    /// Every Swift file under Sources/, by path relative to it.
    static func swiftSources() throws -> [(path: String, text: String)] {
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        var files: [(String, String)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let relative = String(url.path.dropFirst(sources.path.count + 1))
            files.append((relative, try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    @Test func eachEventTypeIsWrittenOnceInSwiftWhereItsModuleDeclaresIt() throws {
        let files = try Self.swiftSources()
        #expect(files.count > 50)
        for type in Self.modules.catalog.all {
            let declarations = files.filter { $0.text.contains("EventType(\"\(type.rawValue)\")") }
            #expect(declarations.count == 1, "\(type) is declared in \(declarations.map(\.path))")
            let literals = files.filter {
                $0.text.contains("\"\(type.rawValue)\"") || $0.text.contains("'\(type.rawValue)'")
            }
            #expect(
                literals.map(\.path) == declarations.map(\.path), "\(type) is spelled out in \(literals.map(\.path))")
        }
    }

    @Test func everyEventTypeIsDeclaredOnceWithOneOwner() {
        let declared = Self.modules.modules.flatMap { module in module.events.map { ($0.type, module.name) } }
        #expect(Set(declared.map(\.0)).count == declared.count, "\(declared)")
        #expect(declared.allSatisfy { type, _ in type.rawValue.wholeMatch(of: /[a-z_]+\.[a-z_]+/) != nil })
    }

    @Test func theJobsTheTriggersEnqueueAreTheModulesKindsOnTheirQueues() async throws {
        let definitions = try await TestDatabase.withDatabase { test in
            try await test.withPool { client in
                Self.modules.jobDefinitions(JobContext(client: client, http: .shared))
            }
        }
        // Every INSERT INTO jobs in a definition file names its kind and queue as literals.
        var enqueued: [(kind: String, queue: String)] = []
        for definition in Definition.embedded {
            let matches = definition.sql.matches(
                of: /INSERT INTO jobs \(kind, queue[^)]*\)\s+SELECT '([a-z_.]+)', '([a-z_]+)'/)
            enqueued += matches.map { (String($0.output.1), String($0.output.2)) }
            let inserts = definition.sql.components(separatedBy: "INSERT INTO jobs").count - 1
            let calls = definition.sql.components(separatedBy: "enqueue_job(").count - 1
            #expect(inserts == matches.count && calls == 0, "\(definition.path) enqueues a job this test cannot read")
        }
        #expect(!enqueued.isEmpty)
        for job in enqueued {
            #expect(
                definitions[job.kind] == job.queue, "\(job.kind) on \(job.queue); the modules define \(definitions)")
        }
        // Every scheduled job has a handler, and goes to its kind's queue.
        for schedule in Self.modules.schedules() {
            #expect(definitions[schedule.job.kind] == schedule.job.queue, "\(schedule.name)")
        }
        // Every queue some job uses is one the runners work.
        #expect(Set(definitions.values).isSubset(of: Self.modules.queues))
    }

    @Test func everyAPIRouteNamesAPermissionOfItsModule() async throws {
        let table = RouteTable()
        try await TestDatabase.withDatabase { test in
            try await test.withPool { client in
                _ = APIServer.router(
                    readiness: Readiness(client: client), client: client,
                    routes: Modules.routes(Self.modules, client: client), table: table)
            }
        }
        let api = table.entries.filter { $0.path.hasPrefix("/api/v1/") }
        #expect(api.count >= 30)
        let owners = Set(Self.modules.modules.map(\.name)).union(["jobs", "audit"])
        let signedIn = ["/api/v1/auth/logout", "/api/v1/auth/me"]
        let open = ["/health", "/ready", "/api/v1/auth/login", "/api/v1/auth/refresh", "/openapi.json"]
        for route in api where !(signedIn + open).contains(route.path) {
            let permission = try #require(route.permission, "\(route.method) \(route.path) names no permission")
            let owner = permission.rawValue.split(separator: ".").first.map(String.init) ?? ""
            #expect(owners.contains(owner), "\(route.method) \(route.path): \(permission)")
            #expect(permission.rawValue.wholeMatch(of: /[a-z]+\.[a-z]+/) != nil, "\(permission)")
        }
        // Only the health routes, signing in and the OpenAPI document are open; signing out
        // and `me` need only a sign-in.
        #expect(table.entries.filter { $0.access == .open }.map(\.path).sorted() == open.sorted())
        #expect(table.entries.filter { $0.access == .signedIn }.map(\.path).sorted() == signedIn)
    }

    /// `GET /openapi.json` documents every route the router has, each with a summary, its
    /// parameters, its problems and the bearer scheme; every documented path answers.
    @Test func theOpenAPIDocumentCoversEveryRouteAndEveryDocumentedPathAnswers() async throws {
        let table = RouteTable()
        try await TestDatabase.withDatabase { test in
            try await test.withPool { client in
                _ = APIServer.router(
                    readiness: Readiness(client: client), client: client,
                    routes: Modules.routes(Self.modules, client: client), table: table)
            }
        }
        try await LiveAPI.with { _, http in
            let response = try await http.signed(nil).execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try LiveAPI.json(response) as [String: Any]?)
            #expect(document["openapi"] as? String == "3.1.1")
            let schemes = (document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
            #expect((schemes?["bearer"] as? [String: Any])?["scheme"] as? String == "bearer")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = 0
            for route in table.entries where route.path != "/openapi.json" {
                let path = route.path.split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }.joined(separator: "/")
                let operation = paths[path]?[route.method.rawValue.lowercased()] as? [String: Any]
                let summary = operation?["summary"] as? String
                #expect(summary?.isEmpty == false, "\(route.method) \(route.path) is not documented")
                let responses = operation?["responses"] as? [String: Any] ?? [:]
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(route.method) \(route.path): no success")
                if route.access != .open {
                    #expect(responses["401"] != nil, "\(route.method) \(route.path): no 401")
                } else {
                    #expect((operation?["security"] as? [Any])?.isEmpty == true, "\(route.path) is open")
                }
                if route.method == .post, route.path.hasSuffix("products") {
                    let body =
                        (((operation?["requestBody"] as? [String: Any])?["content"] as? [String: Any])?[
                            "application/json"] as? [String: Any])?["schema"] as? [String: Any]
                    let properties = body?["properties"] as? [String: Any] ?? [:]
                    #expect(Set(["sku", "name", "hsnCode", "mrp", "gstRates"]).isSubset(of: properties.keys))
                    #expect((body?["required"] as? [String])?.contains("sku") == true)
                }
                documented += 1
            }
            #expect(documented == table.entries.count - 1)
            // Every documented path and method answers: an unknown record may be 404, an unknown route may not.
            for (path, operations) in paths {
                for method in operations.keys {
                    let uri = path.replacingOccurrences(of: "{id}", with: "999999")
                    let send = HTTPRequest.Method(method.uppercased()) ?? .get
                    let answer = try await http.execute(
                        uri: uri, method: send, headers: [.ifMatch: "1"],
                        body: send == .post || send == .patch ? ByteBuffer(string: "{}") : nil)
                    let type = (try? LiveAPI.json(answer))?["type"] as? String
                    #expect(answer.status != .methodNotAllowed, "\(method) \(path)")
                    #expect(!(answer.status == .notFound && type == "/problems/http-404"), "\(method) \(path)")
                }
            }
        }
    }

    /// One document of every kind through the API; then every event's payload, and the
    /// API's JSON of its document, decode into the type its module declares, key for key.
    @Test func everyPayloadAndItsDocumentDecodeIntoTheDeclaredType() async throws {
        try await LiveAPI.with { test, http in
            try await Self.postOneOfEverything(test, http)
            let declarations = Dictionary(
                Self.modules.catalog.declarations.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
            let events = try await test.withConnection { connection in
                try await connection.rows(
                    "SELECT position, type, aggregate_type, aggregate_id, payload::text FROM events ORDER BY position",
                    as: (Int64, String, String, String, String).self, logger: test.logger)
            }
            #expect(Set(events.map { EventType(rawValue: $0.1) }) == Self.modules.catalog.all, "every kind posted")
            let shop = Shop(http: http)
            for (position, typeName, aggregate, id, payload) in events {
                let type = EventType(rawValue: typeName)
                let declared = try #require(declarations[type]?.payload, "\(type) declares no payload type")
                try Self.expectDecodes(Data(payload.utf8), as: declared, "\(type) at \(position)")
                if let path = Self.documentPaths[aggregate] {
                    let response = try await http.execute(uri: "/api/v1/\(path)/\(id)", method: .get)
                    #expect(response.status == .ok, "GET \(path)/\(id)")
                    try Self.expectDecodes(Data(buffer: response.body), as: declared, "GET \(path)/\(id)")
                }
            }
            _ = shop
        }
    }

    /// Where the API shows each aggregate's document.
    static let documentPaths = [
        "product": "products", "warehouse": "warehouses", "vendor": "vendors",
        "purchase_order": "purchase-orders", "goods_receipt": "goods-receipts", "vendor_bill": "vendor-bills",
        "purchase_return": "purchase-returns", "stock_issue": "stock-issues", "stock_transfer": "stock-transfers",
        "stock_adjustment": "stock-adjustments", "user": "users", "customer": "customers", "invoice": "invoices",
        "sales_order": "sales-orders", "delivery": "deliveries", "credit_note": "credit-notes",
        "account": "accounts", "journal_entry": "journal-entries", "customer_receipt": "customer-receipts",
        "vendor_payment": "vendor-payments",
    ]

    /// `json` decodes as `type`, and encoding the value back gives the same keys: the type
    /// has every field the JSON has (a null and an absent optional count as the same).
    static func expectDecodes(
        _ json: Data, as type: any (Decodable & Sendable).Type, _ what: String
    ) throws {
        let value: any Decodable
        do {
            value = try PostgresJSON.decoder().decode(type, from: json)
        } catch {
            Issue.record("\(what) does not decode as \(type): \(error)")
            return
        }
        guard let encodable = value as? any Encodable else {
            Issue.record("\(type) is not Encodable")
            return
        }
        let original = try JSONSerialization.jsonObject(with: json)
        let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(encodable))
        #expect(keyPaths(original) == keyPaths(encoded), "\(what) as \(type)")
    }

    /// Every key path of a JSON value, arrays' elements merged, nulls left out.
    static func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set<String>()) { paths, entry in
                guard !(entry.value is NSNull) else { return }
                let path = prefix + "." + entry.key
                paths.insert(path)
                paths.formUnion(keyPaths(entry.value, prefix: path))
            }
        }
        if let array = value as? [Any] {
            return array.reduce(into: Set<String>()) { $0.formUnion(keyPaths($1, prefix: prefix + "[]")) }
        }
        return []
    }

    /// Master data created and changed, an order edited, approved and another cancelled,
    /// a receipt, a bill, a return, one stock document of each kind, the expiry scan's
    /// finding and an acknowledgement. Bodies are the server's command types, with every
    /// optional field given, so no field of a document is null and each is compared.
    static func postOneOfEverything(_ test: TestDatabase, _ http: any TestClientProtocol) async throws {
        var shop = Shop(http: http)
        shop.mumbai = try await shop.create("warehouses", NewWarehouse(code: "MUM", name: "Mumbai", stateCode: "27"))
        shop.bengaluru = try await shop.create(
            "warehouses", NewWarehouse(code: "BLR", name: "Bengaluru", stateCode: "29"))
        shop.mumbaiVendor = try await shop.create("vendors", NewVendor(name: "Bharat Homoeo", gstin: "27AAPFU0939F1ZV"))
        let rates = [GSTRate(effectiveFrom: try CalendarDate("2017-07-01"), rateBasisPoints: 1200)]
        shop.arnica = try await shop.create(
            "products",
            NewProduct(
                sku: "ARN-30C", name: "Arnica 30C", brand: "SBL", potency: "30C", form: "dilution", packSize: 30,
                packUnit: "ml", hsnCode: "30049014", mrp: 9500, reorderLevel: 100, reorderQuantity: 50,
                preferredVendorId: Int64(shop.mumbaiVendor), batchTracked: true, shelfLifeDays: 1800, gstRates: rates))
        try await shop.patch("warehouses/\(shop.mumbai)", version: 1, WarehouseChanges(name: "Mumbai godown"))
        try await shop.patch("vendors/\(shop.mumbaiVendor)", version: 1, VendorChanges(paymentTermsDays: 45))
        try await shop.patch("products/\(shop.arnica)", version: 1, ProductChanges(reorderLevel: 120))

        let line = NewPurchaseOrder.Line(productId: Int64(shop.arnica), quantity: 40, unitCost: 4000)
        let expected = try CalendarDate(Shop.date(daysFromToday: 7))
        let order = try await shop.create(
            "purchase-orders",
            NewPurchaseOrder(
                vendorId: Int64(shop.mumbaiVendor), warehouseId: Int64(shop.mumbai), expectedOn: expected,
                note: "weekly",
                lines: [line]))
        try await shop.patch("purchase-orders/\(order)", version: 1, PurchaseOrderChanges(note: "rush"))
        try await shop.create("purchase-orders/\(order)/approve", "")
        let other = try await shop.create(
            "purchase-orders",
            NewPurchaseOrder(vendorId: Int64(shop.mumbaiVendor), warehouseId: Int64(shop.mumbai), lines: [line]))
        try await shop.create("purchase-orders/\(other)/cancel", "")

        let soon = try CalendarDate(Shop.date(daysFromToday: 20))
        let receipt = try await shop.create(
            "goods-receipts",
            NewGoodsReceipt(
                purchaseOrderId: Int64(order), vendorReference: "DC-1",
                lines: [
                    .init(
                        orderLineNumber: 1, quantity: 40, batchNumber: "A1", expiresOn: soon,
                        manufacturedOn: try CalendarDate(Shop.date(daysFromToday: -300)), mrp: 9500)
                ]))
        try await shop.create(
            "vendor-bills",
            NewVendorBill(
                purchaseOrderId: Int64(order), billNumber: "BH-1",
                billDate: try CalendarDate(Shop.date(daysFromToday: 0)),
                lines: [.init(orderLineNumber: 1, quantity: 30, unitPrice: 4000)]))
        try await shop.create(
            "purchase-returns",
            NewPurchaseReturn(
                goodsReceiptId: Int64(receipt), reason: "damaged", lines: [.init(receiptLineNumber: 1, quantity: 2)]))
        let stock = [StockLine(productId: Int64(shop.arnica), batchNumber: "A1", quantity: 3)]
        try await shop.create(
            "stock-issues",
            NewStockIssue(warehouseId: Int64(shop.mumbai), reference: "SLIP-1", note: "clinic", lines: stock))
        try await shop.create(
            "stock-transfers",
            NewStockTransfer(
                fromWarehouseId: Int64(shop.mumbai), toWarehouseId: Int64(shop.bengaluru), reference: "T-1",
                note: "restock",
                lines: stock))
        try await shop.create(
            "stock-adjustments",
            NewStockAdjustment(
                warehouseId: Int64(shop.mumbai), reason: "count", reference: "C-1", note: "cycle count", lines: stock))

        try await test.withPool { client in
            let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
            try await test.withRunners([configuration], handlers: [ExpiryScan(client: client)]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        NewJob(ExpiryScan.self, .init(windowDays: 90)), on: connection, logger: test.logger)
                }
                try await eventually("the scan ran") {
                    try await test.scalar("SELECT count(*) FROM batch_expiry_findings", as: Int64.self) > 0
                }
            }
        }
        try await LiveAPI.catchUpProjections(test)
        let notification = try await test.scalar("SELECT min(id) FROM notifications", as: Int64.self)
        try await shop.create("notifications/\(notification)/acknowledge", "")

        // Users, roles, keys and sessions through the API; a new password as `erp users` sets it.
        let user = try await shop.create(
            "users",
            NewUser(
                email: "asha@example.in", name: "Asha", password: "a long enough password", roles: [.storekeeper]))
        try await shop.patch("users/\(user)", version: 1, UserChanges(name: "Asha Rao", active: true))
        let role = try await shop.create(
            "roles", NewRole(name: "counter_lead", description: "Leads the counter", permissions: ["inventory.read"]))
        try await shop.patch(
            "roles/\(role)", version: 1, RoleChanges(description: "Counter lead", permissions: ["masterdata.read"]))
        let key = try await shop.post("api-keys", NewAPIKey(name: "tally-export", roles: ["viewer"]))
        let keyID = try #require(try LiveAPI.json(key)["apiKey"] as? [String: Any])["id"] as? Int
        try await shop.create("api-keys/\(try #require(keyID))/revoke", "")
        _ = try? await LiveAPI.tokens(http, email: "asha@example.in", password: "not the password")
        let tokens = try await LiveAPI.tokens(http, email: "asha@example.in", password: "a long enough password")
        let refreshed = try await http.execute(
            uri: "/api/v1/auth/refresh", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"refreshToken":"\#(tokens.refreshToken)"}"#))
        #expect(refreshed.status == .ok)
        let signedOut = try await http.execute(
            uri: "/api/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(tokens.accessToken)"])
        #expect(signedOut.status == .ok)
        // The company profile and a customer.
        let profile = try await http.execute(
            uri: "/api/v1/company", method: .put, headers: [.ifMatch: "1"],
            body: ByteBuffer(
                string: """
                    {"legalName": "Sharma Homoeo Pharmacy", "gstin": "27AAPFU0939F1ZV", "stateCode": "27",
                     "drugLicences": [{"number": "MH-1", "form": "20C", "validFrom": "2024-04-01", "validUntil": "2099-03-31"}],
                     "addressLine1": "12 MG Road", "city": "Pune", "pincode": "411001",
                     "invoicePrefix": "INV/", "counterSalePrefix": "CS/", "creditNotePrefix": "CN/"}
                    """))
        #expect(profile.status == .ok, "\(String(buffer: profile.body))")
        let licence = DrugLicence(
            number: "KA-20D-1", form: "20D", validFrom: try CalendarDate("2024-04-01"),
            validUntil: try CalendarDate("2099-03-31"))
        let customer = try await shop.create(
            "customers",
            NewCustomer(
                name: "Gupta Medical Stores", gstin: "29AAGCB7383J1Z4", address: "4 Residency Road, Bengaluru 560025",
                drugLicences: [licence], creditLimitPaise: 100_000, paymentTermsDays: 30, minimumShelfLifeDays: 10))
        try await shop.patch("customers/\(customer)", version: 1, CustomerChanges(phone: "080 2222 3333"))
        // A counter sale of one from a batch received above (the profile's prefixes were set with it).
        let sale = try await shop.post(
            "counter-sales",
            #"{"warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(shop.arnica), "quantity": 1}], "payments": [{"mode": "cash", "amountPaise": 9500}]}"#
        )
        #expect(sale.status == .created, "\(String(buffer: sale.body))")
        // A B2B order confirmed, delivered and invoiced; another confirmed and cancelled; a
        // credit note for part of the delivery.
        let orderLines = [
            NewSalesOrderLine(productId: Int64(shop.arnica), quantity: 2, ratePaise: 8000, discountPaise: 500)
        ]
        let salesOrder = try await shop.create(
            "sales-orders",
            NewSalesOrder(
                customerId: Int64(customer), warehouseId: Int64(shop.mumbai), reference: "PO-7", lines: orderLines))
        try await shop.create("sales-orders/\(salesOrder)/confirm", "")
        let cancelled = try await shop.create(
            "sales-orders",
            NewSalesOrder(customerId: Int64(customer), warehouseId: Int64(shop.mumbai), lines: orderLines))
        try await shop.create("sales-orders/\(cancelled)/confirm", "")
        try await shop.create("sales-orders/\(cancelled)/cancel", "")
        let delivery = try await shop.create(
            "deliveries",
            NewDelivery(
                salesOrderId: Int64(salesOrder), lines: [NewDeliveryLine(orderLine: 1, quantity: 2, batchNumber: "A1")])
        )
        let invoice = try await shop.create("invoices", NewInvoice(deliveryIds: [Int64(delivery)]))
        try await shop.create(
            "credit-notes",
            NewCreditNote(
                invoiceId: Int64(invoice), reason: "return", note: "one damaged in transit",
                lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1, writeOff: false)]))
        // Finance: an account added and renamed, a journal and its reversal, a receipt allocated and partly given back, a
        // vendor payment, the lock date.
        let bank = try await shop.create("accounts", NewAccount(code: "1202", name: "HDFC current", groupCode: "1200"))
        try await shop.patch("accounts/\(bank)", version: 1, AccountChanges(name: "HDFC current account"))
        let entry = try await shop.create(
            "journal-entries",
            NewJournalEntry(
                narration: "owner's capital",
                lines: [
                    NewJournalLine(accountCode: "1201", debitPaise: 1_000_000),
                    NewJournalLine(accountCode: "3100", creditPaise: 1_000_000),
                ]))
        try await shop.create("journal-entries/\(entry)/reverse", JournalReversal(narration: "posted twice"))
        let customerReceipt = try await shop.create(
            "customer-receipts",
            NewPayment(
                customerId: Int64(customer), mode: "cheque", chequeNumber: "000123",
                chequeDate: try CalendarDate(Shop.date(daysFromToday: 0)), accountCode: "1201", amountPaise: 5_000,
                allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 4_000)]))
        try await shop.create(
            "customer-receipts/\(customerReceipt)/unallocations",
            AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 1_000)]))
        let bill = try await test.scalar("SELECT min(id) FROM vendor_bills", as: Int64.self)
        try await shop.create(
            "vendor-payments",
            NewPayment(
                vendorId: Int64(shop.mumbaiVendor), mode: "bank_transfer", reference: "NEFT-1", accountCode: "1201",
                amountPaise: 10_000, allocations: [NewAllocation(vendorBillId: bill, amountPaise: 10_000)]))
        // The invoice issued 45 days ago, on 30 days' terms: the overdue scan finds it.
        try await test.execute("UPDATE invoices SET invoice_date = invoice_date - 45 WHERE id = \(invoice)")
        try await test.withPool { client in
            let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
            try await test.withRunners([configuration], handlers: [OverdueScan(client: client)]) {
                try await test.withConnection { connection in
                    _ = try await JobQueue.enqueue(
                        NewJob(OverdueScan.self, .init()), on: connection, logger: test.logger)
                }
                try await eventually("the overdue scan ran") {
                    try await test.scalar("SELECT count(*) FROM invoice_overdue_findings", as: Int64.self) > 0
                }
            }
        }
        let lock = try await shop.post(
            "finance/lock-date", LockDate(lockDate: try CalendarDate(Shop.date(daysFromToday: -1))))
        #expect(lock.status == .ok, "\(String(buffer: lock.body))")
        try await test.withConnection { connection in
            try await connection.inTransaction(logger: test.logger) { transaction in
                let context = CommandContext(actor: "test", requestID: "contract", logger: test.logger)
                _ = try await context.apply(to: transaction)
                try await UserCommands.resetPassword(
                    email: "asha@example.in", password: "another long password", passwords: Passwords(cost: 4),
                    on: transaction, context: context)
            }
        }
    }
}
