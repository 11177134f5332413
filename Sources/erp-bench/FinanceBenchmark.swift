// The ledger at scale: the ledger projector catching up over a seeded history of a
// million journal lines, the trial balance and receivables aging read beside it, and
// customer receipts posted over HTTP by many clients into one bank account.
import AsyncHTTPClient
import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPPlatform
import ERPStore
import Finance
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Sales
import Synchronization
import Users

/// A stock history written by `erp seed`'s generator (each receipt, issue, transfer and
/// adjustment posts two journal lines), then B2B invoices of ₹105 (₹100 + 5 % GST, four
/// lines each) to a thousand customers on 30 days' terms, dated over the last 150 days,
/// all open: written through the write tables, so their triggers record the same events
/// the commands do.
struct FinanceBenchmark {
    let workspace: BenchDatabase
    let clients: Int
    let seconds: Int
    let logger: Logger

    static let accountant = (email: "accountant@bench.test", password: "a long benchmark password")
    static let customers = 1_000

    /// What the seed wrote.
    struct History {
        var events: Int
        var invoices: Int
        /// A customer per client, and the open invoices of each, oldest first, which its
        /// receipts settle in turn (₹1 each; an invoice is ₹105).
        var customers: [Int64]
        var invoicesToSettle: [[Int64]]
    }

    private func decode<Body: Decodable>(_ json: String) throws -> Body {
        try JSONDecoder().decode(Body.self, from: Data(json.utf8))
    }

    /// The company profile, an accountant, the stock history and the invoices.
    func seed(stockEvents: Int, invoices: Int) async throws -> History {
        let database = workspace.database
        let supplier = try await database.withConnection(as: "erp-bench") { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                let context = CommandContext(actor: "erp-bench", requestID: "prepare", logger: logger)
                try await context.apply(to: transaction)
                let profile: CompanyProfile = try decode(
                    #"{"legalName": "Benchmark Distributors", "addressLine1": "1 Bench Road", "city": "Pune", "pincode": "411001", "gstin": "27AAPFU0939F1ZV", "stateCode": "27", "drugLicences": [{"number": "MH-BENCH-1", "form": "20D", "validFrom": "2024-04-01", "validUntil": "2099-03-31"}], "invoicePrefix": "INV/", "counterSalePrefix": "CS/", "creditNotePrefix": "CN/"}"#
                )
                try await PartyCommands.setCompany(profile, version: 1, on: transaction, context: context)
                _ = try await UserCommands.create(
                    NewUser(
                        email: Self.accountant.email, name: "Bench accountant", password: Self.accountant.password,
                        roles: [.accountant]),
                    passwords: Passwords(cost: 4), on: transaction, context: context)
                return String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
            }
        }
        _ = try await database.withConnection(as: "erp-bench-seed") { connection in
            var shown = 0
            return try await StockHistorySeeder(logger: logger).seed(events: stockEvents, on: connection) { written in
                if written - shown >= 50_000 {
                    shown = written
                    progress("  \(written)/\(stockEvents) stock events seeded")
                }
            }
        }
        return try await database.withConnection(as: "erp-bench-seed") { connection in
            try await connection.query(
                """
                INSERT INTO customers (name, gstin, state_code, address, credit_limit_paise, payment_terms_days)
                SELECT 'Bench Medical Stores ' || n, '27BENCH' || lpad(n::text, 8, '0'), '27', n || ' Market Road, Pune',
                       100000000, 30
                  FROM generate_series(1, \(Self.customers)) n
                """,
                logger: logger)
            let customers =
                try await connection.value(
                    "SELECT array_agg(id ORDER BY id) FROM customers WHERE name LIKE 'Bench Medical Stores %'",
                    as: [Int64].self, logger: logger) ?? []
            let sold =
                try await connection.value(
                    "SELECT b.product_id || ',' || b.id FROM batches b ORDER BY b.id LIMIT 1", as: String.self,
                    logger: logger) ?? ""
            let warehouse =
                try await connection.value("SELECT min(id) FROM warehouses", as: Int64.self, logger: logger) ?? 0
            let ids = sold.split(separator: ",").compactMap { Int64($0) }
            guard ids.count == 2, customers.count == Self.customers else {
                throw BenchFailure(description: "the stock history left no batch to invoice, or no customers")
            }
            var written = 0
            while written < invoices {
                let chunk = min(10_000, invoices - written)
                // One line each; numbered at the commit by invoice.issued's trigger, as the command's are.
                _ = try await connection.inTransaction(logger: logger) { transaction in
                    try await transaction.query(
                        """
                        WITH dated AS (
                            SELECT n, business_date() - (n % 150)::integer AS day FROM generate_series(\(written + 1), \(written + chunk)) n
                        ), made AS (
                            INSERT INTO invoices (kind, financial_year, invoice_date, warehouse_id, customer_id, place_of_supply,
                                                  supplier, recipient, discount_paise, taxable_paise, cgst_paise, sgst_paise,
                                                  igst_paise, round_off_paise, total_paise)
                            SELECT 'b2b', extract(year FROM day - interval '3 months')::integer, day, \(warehouse),
                                   (\(customers)::bigint[])[1 + n % \(customers.count)], '27', \(supplier)::jsonb,
                                   customer_document(jsonb_build_object('id', (\(customers)::bigint[])[1 + n % \(customers.count)])),
                                   0, 10000, 250, 250, 0, 0, 10500
                              FROM dated ORDER BY n
                            RETURNING id
                        )
                        INSERT INTO invoice_lines (invoice_id, line_number, product_id, batch_id, description, hsn_code, unit,
                                                   quantity, unit_price_paise, price_basis, discount_paise, taxable_paise,
                                                   gst_rate_basis_points, cgst_paise, sgst_paise, igst_paise, cost_paise)
                        SELECT id, 1, \(ids[0]), \(ids[1]), 'Remedy 30C, 30 ml', '30049014', 'NOS', 1, 10000, 'exclusive', 0,
                               10000, 500, 250, 250, 0, 4000
                          FROM made
                        """,
                        logger: logger)
                }
                written += chunk
                progress("  \(written)/\(invoices) invoices written")
            }
            try await connection.query("VACUUM ANALYZE", logger: logger)
            let mine = Array(customers.prefix(clients))
            let settle = try await connection.rows(
                """
                SELECT (SELECT array_agg(i.id ORDER BY i.id) FROM invoices i WHERE i.customer_id = c)
                  FROM unnest(\(mine)::bigint[]) WITH ORDINALITY AS u(c, n) ORDER BY n
                """,
                as: [Int64]?.self, logger: logger
            ).compactMap { (row: [Int64]?) -> [Int64]? in row }
            guard settle.count == mine.count else {
                throw BenchFailure(description: "every client needs a customer with an invoice: raise --open-invoices")
            }
            let events =
                try await connection.value("SELECT max(position) FROM events", as: Int64.self, logger: logger) ?? 0
            return History(events: Int(events), invoices: written, customers: mine, invoicesToSettle: settle)
        }
    }

    /// The ledger emptied and rebuilt from the start of the log by the live runner, as a
    /// new deployment (or `erp projections reset ledger`) has it: journal lines per second.
    func catchUp() async throws -> (lines: Int, perSecond: Double) {
        let projector = LedgerProjector()
        try await workspace.database.withConnection(as: "erp-bench") { connection in
            let tables = projector.tables.map(\.name).joined(separator: ", ")
            try await connection.query(PostgresQuery(unsafeSQL: "TRUNCATE \(tables)"), logger: logger)
            try await connection.query(
                "DELETE FROM projector_checkpoints WHERE name = \(projector.name)", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "VACUUM ANALYZE \(tables)"), logger: logger)
        }
        let runner = ProjectorRunner(projector: projector, database: workspace.database, logger: logger)
        return try await workspace.database.withConnection(as: "erp-bench-runner") { connection in
            // As the live runner's session commits (ProjectorRunner.run).
            try await connection.query("SET synchronous_commit = off", logger: logger)
            guard try await runner.tryToBecomeActive(on: connection) else {
                throw BenchFailure(description: "another ledger runner is active")
            }
            let started = ContinuousClock.now
            while try await runner.catchUp(on: connection).applied > 0 {}
            let elapsed = ContinuousClock.now - started
            let lines =
                try await connection.value("SELECT count(*) FROM ledger_lines", as: Int64.self, logger: logger) ?? 0
            return (Int(lines), Double(lines) / elapsed.inSeconds)
        }
    }

    /// Milliseconds of each of `times` reads of the trial balance and of receivables aging
    /// as of today, after one of each to warm up, on one connection without HTTP.
    func reports(times: Int) async throws -> (trialBalance: [Double], aging: [Double], openInvoices: Int) {
        try await workspace.database.withConnection(as: "erp-bench-reports") { connection in
            let today = try CalendarDate(
                try await connection.value("SELECT business_date()::text", as: String.self, logger: logger) ?? "")
            _ = try await TrialBalance.asOf(nil, on: connection, logger: logger)
            let open = try await Aging.of(receivables: true, asOf: today, on: connection, logger: logger).items.count
            var balances: [Double] = []
            var agings: [Double] = []
            for _ in 0..<times {
                var started = ContinuousClock.now
                let balance = try await TrialBalance.asOf(nil, on: connection, logger: logger)
                balances.append((ContinuousClock.now - started) / .milliseconds(1))
                guard balance.totalDebitPaise == balance.totalCreditPaise else {
                    throw BenchFailure(description: "the trial balance does not balance")
                }
                started = ContinuousClock.now
                _ = try await Aging.of(receivables: true, asOf: today, on: connection, logger: logger)
                agings.append((ContinuousClock.now - started) / .milliseconds(1))
            }
            return (balances, agings, open)
        }
    }

    /// The `receipt`th receipt client `client` posts: ₹1 by bank transfer into Bank (1201),
    /// settling its customer's invoices in turn.
    static func body(_ history: History, client: Int, receipt: Int) -> String {
        let invoices = history.invoicesToSettle[client]
        return
            #"{"customerId": \#(history.customers[client]), "mode": "bank_transfer", "reference": "NEFT-BENCH-\#(client)", "accountCode": "1201", "amountPaise": 100, "allocations": [{"invoiceId": \#(invoices[receipt % invoices.count]), "amountPaise": 100}]}"#
    }

    /// Runs the API server in this process and posts customer receipts to it, signed in
    /// as an accountant, every client into the same bank account.
    func receiptsOverHTTP(_ history: History) async throws -> LoadResult {
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
            let url = "http://127.0.0.1:\(port)/api/v1/customer-receipts"
            let posted = Mutex([Int](repeating: 0, count: clients))
            return try await Load(clients: clients, seconds: seconds).measure { index in
                let receipt = posted.withLock { counts in
                    defer { counts[index] += 1 }
                    return counts[index]
                }
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(ByteBuffer(string: Self.body(history, client: index, receipt: receipt)))
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .created else {
                    throw BenchFailure(
                        description: "POST /customer-receipts answered \(response.status): \(String(buffer: body))")
                }
            }
        }
    }

    private func signIn(_ http: HTTPClient, port: Int) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"email": "\#(Self.accountant.email)", "password": "\#(Self.accountant.password)"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = json["accessToken"] as? String
        else { throw BenchFailure(description: "signing in answered \(response.status): \(String(buffer: body))") }
        return token
    }
}
