// Counter sales of three lines (FEFO, cash) at N concurrent clients: over HTTP through
// the API as a signed-in cashier, by calling the command directly, and as the same SQL
// run by pgbench with prepared statements.
import AsyncHTTPClient
import ERPApp
import ERPHTTP
import ERPKernel
import ERPPlatform
import ERPStore
import Foundation
import Hummingbird
import Logging
import MasterData
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Purchasing
import Sales
import Users

/// Each client sells its own three products (so clients queue only on the counter sale
/// series, as every shop's tills do, not on each other's stock), one unit each at the MRP
/// of ₹95, paid in cash, from the earlier-expiring of two batches.
struct CounterSaleBenchmark {
    let workspace: BenchDatabase
    let clients: Int
    let seconds: Int
    let logger: Logger

    /// What the clients sell and where.
    struct Shop {
        var warehouse: Int64
        /// Three per client, consecutive ids.
        var products: [Int64]
        /// The earlier-expiring batch of each product, the one FEFO takes.
        var earlyBatches: [Int64]
        /// The company profile as invoices copy it.
        var supplier: String
        /// The counter sale series' head this financial year (`CS/26-27/`).
        var series: String
        var financialYear: Int
    }

    static let cashier = (email: "cashier@bench.test", password: "a long benchmark password")

    private func decode<Body: Decodable>(_ json: String) throws -> Body {
        try JSONDecoder().decode(Body.self, from: Data(json.utf8))
    }

    /// The company profile, the products, stock in two batches each, and a cashier.
    func prepare() async throws -> Shop {
        try await workspace.database.withConnection(as: "erp-bench") { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                let context = CommandContext(actor: "erp-bench", requestID: "prepare", logger: logger)
                try await context.apply(to: transaction)
                let profile: CompanyProfile = try decode(
                    #"{"legalName": "Benchmark Pharmacy", "addressLine1": "1 Bench Road", "city": "Pune", "pincode": "411001", "gstin": "27AAPFU0939F1ZV", "stateCode": "27", "drugLicences": [{"number": "MH-BENCH-1", "form": "20C", "validFrom": "2024-04-01", "validUntil": "2099-03-31"}], "invoicePrefix": "INV/", "counterSalePrefix": "CS/", "creditNotePrefix": "CN/"}"#
                )
                try await PartyCommands.setCompany(profile, version: 1, on: transaction, context: context)
                let warehouse = try await MasterDataCommands.createWarehouse(
                    decode(#"{"code": "SHOP", "name": "Benchmark shop", "stateCode": "27"}"#), on: transaction,
                    context: context)
                let vendor = try await MasterDataCommands.createVendor(
                    decode(#"{"name": "Benchmark vendor", "gstin": "27AAPFU0939F1ZV"}"#), on: transaction,
                    context: context)
                var products: [Int64] = []
                for index in 0..<(3 * clients) {
                    let product: NewProduct = try decode(
                        #"{"sku": "CS-\#(index + 1)", "name": "Remedy \#(index + 1) 30C", "form": "dilution", "packSize": 30, "packUnit": "ml", "hsnCode": "30049014", "mrp": 9500, "gstRates": [{"effectiveFrom": "2017-07-01", "rateBasisPoints": 500}]}"#
                    )
                    products.append(
                        try await MasterDataCommands.createProduct(product, on: transaction, context: context))
                }
                guard products == Array(products[0]..<(products[0] + Int64(products.count))) else {
                    throw BenchFailure(description: "the benchmark products do not have consecutive ids")
                }
                let lines = products.map { #"{"productId": \#($0), "quantity": 2000000, "unitCost": 4000}"# }
                let order = try await PurchaseOrderCommands.create(
                    decode(
                        #"{"vendorId": \#(vendor), "warehouseId": \#(warehouse), "lines": [\#(lines.joined(separator: ", "))]}"#
                    ), on: transaction, context: context)
                try await PurchaseOrderCommands.approve(order, on: transaction, context: context)
                let received = (1...products.count).flatMap { line in
                    [("EARLY", "2031-03-31"), ("LATE", "2032-03-31")].map {
                        #"{"orderLineNumber": \#(line), "quantity": 1000000, "batchNumber": "\#($0.0)", "expiresOn": "\#($0.1)"}"#
                    }
                }
                _ = try await GoodsReceiptCommands.receive(
                    decode(#"{"purchaseOrderId": \#(order), "lines": [\#(received.joined(separator: ", "))]}"#),
                    on: transaction, context: context)
                let early = try await transaction.rows(
                    "SELECT id FROM batches WHERE batch_number = 'EARLY' ORDER BY product_id", as: Int64.self,
                    logger: logger)
                _ = try await UserCommands.create(
                    NewUser(
                        email: Self.cashier.email, name: "Bench cashier", password: Self.cashier.password,
                        roles: [.cashier]),
                    passwords: Passwords(cost: 4), on: transaction, context: context)
                let today = try CalendarDate(
                    try await transaction.value("SELECT business_date()::text", as: String.self, logger: logger) ?? "")
                let year = FinancialYear(containing: today)
                let supplier = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
                return Shop(
                    warehouse: warehouse, products: products, earlyBatches: early, supplier: supplier,
                    series: "CS/" + year.shortLabel + "/", financialYear: year.startYear)
            }
        }
    }

    /// The sale client `client` posts: one unit of each of its three products, cash.
    static func body(_ shop: Shop, client: Int) -> String {
        let lines = (0..<3).map { #"{"productId": \#(shop.products[3 * client + $0]), "quantity": 1}"# }
        return
            #"{"warehouseId": \#(shop.warehouse), "lines": [\#(lines.joined(separator: ", "))], "payments": [{"mode": "cash", "amountPaise": 28500}]}"#
    }

    /// Runs the API server in this process (the pool `erp serve` uses) and posts sales to it.
    func runOverHTTP(_ shop: Shop) async throws -> LoadResult {
        let client = PostgresClient(
            configuration: workspace.database.configuration.clientConfiguration(), backgroundLogger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let modules = Modules.list(.init(authentication: AuthenticationSettings(tokenKey: .random(), bcryptCost: 4)))
        let app = APIServer.application(
            readiness: Readiness(client: client, listener: nil), client: client,
            routes: Modules.routes(modules, client: client), configuration: .init(host: "127.0.0.1", port: 0),
            onServerRunning: { port in portContinuation.yield(port) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                throw BenchFailure(description: "the API server did not start")
            }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            defer { _ = http.shutdown() }
            let token = try await signIn(http, port: port)
            let url = "http://127.0.0.1:\(port)/api/v1/counter-sales"
            return try await Load(clients: clients, seconds: seconds).measure { index in
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(ByteBuffer(string: Self.body(shop, client: index)))
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .created else {
                    throw BenchFailure(
                        description: "POST /counter-sales answered \(response.status): \(String(buffer: body))")
                }
            }
        }
    }

    private func signIn(_ http: HTTPClient, port: Int) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"email": "\#(Self.cashier.email)", "password": "\#(Self.cashier.password)"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = json["accessToken"] as? String
        else { throw BenchFailure(description: "signing in answered \(response.status): \(String(buffer: body))") }
        return token
    }

    /// Calls the same command handler on the same pool, without HTTP and JSON.
    func runCommandDirectly(_ shop: Shop) async throws -> LoadResult {
        let client = PostgresClient(
            configuration: workspace.database.configuration.clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let sales: [CounterSale] = try (0..<clients).map { try decode(Self.body(shop, client: $0)) }
            return try await Load(clients: clients, seconds: seconds).measure { index in
                try await client.withConnection { connection in
                    let id = try await connection.inTransaction(logger: logger) { transaction in
                        let context = CommandContext(actor: "erp-bench", requestID: "direct", logger: logger)
                        try await context.apply(to: transaction)
                        return try await CounterSaleCommand.post(sales[index], on: transaction, context: context)
                    }
                    _ = try await SQLDocuments.document(.invoice, id: id, on: connection, logger: logger)
                }
            }
        }
    }

    /// Runs ``script(_:)`` in pgbench with prepared statements.
    func runPgbench(_ shop: Shop, pgbench: String) async throws -> LoadResult {
        try await Load(clients: clients, seconds: seconds, scriptsFolder: workspace.scriptsFolder).pgbench(
            try script(shop), named: "counter-sale", url: workspace.database.configuration.url, pgbench: pgbench,
            protocol: .prepared)
    }

    /// The statements `CounterSaleCommand.post` sends for a three-line cash sale, in the
    /// same order and shape, with this client's products and the batches FEFO picks (the
    /// invoice is numbered at the commit); then the document the API answers with, read
    /// after the commit. Keep it in step with the command when that changes.
    func script(_ shop: Shop) throws -> String {
        guard shop.supplier.range(of: #":[A-Za-z_]"#, options: .regularExpression) == nil,
            !shop.supplier.contains("'")
        else { throw BenchFailure(description: "the profile's JSON would not survive pgbench's variables") }
        let w = shop.warehouse
        let products = "ARRAY[:p1, :p2, :p3]::bigint[]"
        let batches = "ARRAY[:b1, :b2, :b3]::bigint[]"
        let warehouses = "ARRAY[\(w), \(w), \(w)]::bigint[]"
        let firstBatch = shop.earlyBatches[0]
        let step = clients > 1 ? shop.earlyBatches[3] - firstBatch : 6
        let gap = shop.earlyBatches[1] - firstBatch
        guard shop.earlyBatches.enumerated().allSatisfy({ $1 == firstBatch + Int64($0) * gap }), step == 3 * gap else {
            throw BenchFailure(description: "the benchmark batches are not evenly numbered: \(shop.earlyBatches)")
        }
        return """
            \\set p1 \(shop.products[0]) + 3 * :client_id
            \\set p2 :p1 + 1
            \\set p3 :p1 + 2
            \\set b1 \(firstBatch) + \(step) * :client_id
            \\set b2 :b1 + \(gap)
            \\set b3 :b1 + \(2 * gap)
            BEGIN;
            SELECT set_config('erp.actor', 'pgbench', true), set_config('erp.request_id', 'pgbench-' || :client_id, true);
            SELECT company_document('{}'::jsonb)::text;
            SELECT business_date()::text;
            SELECT document_number('\(shop.series)', COALESCE((SELECT last_number FROM document_series WHERE series = 'counter_sale' AND financial_year = \(shop.financialYear)), 0) + 1) IS NOT NULL;
            SELECT id FROM warehouses WHERE id = \(w) AND active;
            SELECT p.id, p.name || CASE WHEN p.potency IS NULL OR strpos(p.name, p.potency) > 0 THEN '' ELSE ' ' || p.potency END || ', ' || p.pack_size || ' ' || p.pack_unit, p.hsn_code, 'NOS', p.active, (SELECT g.rate_basis_points::bigint FROM product_gst_rates g WHERE g.product_id = p.id AND g.effective_from <= business_date() ORDER BY g.effective_from DESC LIMIT 1) FROM products p WHERE p.id = ANY(\(products));
            SELECT s.product_id, s.batch_id, b.batch_number, b.mrp_paise, s.quantity, b.expires_on::text FROM stock_on_hand s JOIN batches b ON b.id = s.batch_id WHERE s.warehouse_id = \(w) AND s.product_id = ANY(\(products)) AND s.quantity > 0 AND b.expires_on >= business_date() + 0::integer ORDER BY s.product_id, s.warehouse_id, s.batch_id FOR UPDATE OF s;
            INSERT INTO invoices (kind, financial_year, invoice_date, warehouse_id, buyer_name, buyer_phone, buyer_address, place_of_supply, supplier, discount_paise, taxable_paise, cgst_paise, sgst_paise, igst_paise, round_off_paise, total_paise) VALUES ('counter_sale', \(shop.financialYear), business_date(), \(w), NULL, NULL, NULL, '27', '\(shop.supplier)'::jsonb, 0, 27144, 678, 678, 0, 0, 28500) RETURNING id AS invoice_id \\gset
            INSERT INTO invoice_payments (invoice_id, line_number, mode, reference, amount_paise) SELECT :invoice_id, n, m, NULLIF(btrim(r), ''), a FROM unnest(ARRAY['cash']::text[], ARRAY['']::text[], ARRAY[28500]::bigint[]) WITH ORDINALITY AS p(m, r, a, n);
            SELECT s.product_id, s.warehouse_id, s.batch_id, s.quantity FROM stock_on_hand s JOIN unnest(\(products), \(warehouses), \(batches)) AS k(p, w, b) ON (s.product_id, s.warehouse_id, s.batch_id) = (k.p, k.w, k.b) ORDER BY s.product_id, s.warehouse_id, s.batch_id FOR UPDATE OF s;
            WITH moved AS (UPDATE stock_on_hand s SET quantity = s.quantity + k.q FROM unnest(\(products), \(warehouses), \(batches), ARRAY[-1,-1,-1]::bigint[]) AS k(p, w, b, q) WHERE (s.product_id, s.warehouse_id, s.batch_id) = (k.p, k.w, k.b) AND k.q <> 0) INSERT INTO stock_valuation AS v (product_id, warehouse_id, on_hand, value_paise) SELECT p, w, 0, 0 FROM unnest(\(products), \(warehouses)) AS k(p, w) ORDER BY p, w ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = v.on_hand RETURNING v.product_id, v.warehouse_id, v.on_hand, v.value_paise, v.reserved;
            UPDATE stock_valuation v SET on_hand = v.on_hand + k.q, value_paise = v.value_paise + k.v, reserved = v.reserved FROM unnest(\(products), \(warehouses), ARRAY[-1,-1,-1]::bigint[], ARRAY[-4000,-4000,-4000]::bigint[]) AS k(p, w, q, v) WHERE (v.product_id, v.warehouse_id) = (k.p, k.w);
            INSERT INTO invoice_lines (invoice_id, line_number, product_id, batch_id, description, hsn_code, unit, quantity, unit_price_paise, price_basis, discount_paise, taxable_paise, gst_rate_basis_points, cgst_paise, sgst_paise, igst_paise, cost_paise) SELECT :invoice_id, n, p, b, d, h, u, q, price, 'inclusive', disc, t, r, c, s, i, v FROM unnest(\(products), \(batches), ARRAY['Remedy 30C, 30 ml','Remedy 30C, 30 ml','Remedy 30C, 30 ml']::text[], ARRAY['30049014','30049014','30049014']::text[], ARRAY['NOS','NOS','NOS']::text[], ARRAY[1,1,1]::bigint[], ARRAY[9500,9500,9500]::bigint[], ARRAY[0,0,0]::bigint[], ARRAY[9048,9048,9048]::bigint[], ARRAY[500,500,500]::integer[], ARRAY[226,226,226]::bigint[], ARRAY[226,226,226]::bigint[], ARRAY[0,0,0]::bigint[], ARRAY[4000,4000,4000]::bigint[]) WITH ORDINALITY AS l(p, b, d, h, u, q, price, disc, t, r, c, s, i, v, n);
            COMMIT;
            SELECT invoice_document(jsonb_build_object('id', id))::text FROM invoices WHERE id = :invoice_id AND true;

            """
    }
}
