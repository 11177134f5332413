// Goods receipts of three lines at N concurrent clients: over HTTP through the API, by
// calling the command directly, and as the same SQL run by pgbench.
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
import Synchronization
import Users

/// Each client receives into its own approved order (so clients never wait for each
/// other's order lock) three lines of its own batches, again and again for a fixed time.
struct ReceiptBenchmark {
    typealias Result = LoadResult
    typealias Failure = BenchFailure
    typealias QueryProtocol = PgbenchProtocol

    let workspace: BenchDatabase
    let clients: Int
    let seconds: Int
    let logger: Logger

    /// The orders the clients receive into, one per client, in client order, and what they refer to.
    struct Orders {
        var ids: [Int64]
        var products: [Int64]
        var vendor: Int64
        var warehouse: Int64
    }

    /// Master data and one approved order per client, quantities large enough never to run out.
    func prepare() async throws -> Orders {
        try await workspace.database.withConnection(as: "erp-bench") { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                let context = CommandContext(actor: "erp-bench", requestID: "prepare", logger: logger)
                try await context.apply(to: transaction)
                let warehouse = try await MasterDataCommands.createWarehouse(
                    decode(#"{"code": "BENCH", "name": "Benchmark godown", "stateCode": "27"}"#), on: transaction,
                    context: context
                )
                let vendor = try await MasterDataCommands.createVendor(
                    decode(#"{"name": "Benchmark vendor", "gstin": "27AAPFU0939F1ZV"}"#), on: transaction,
                    context: context
                )
                var products: [Int64] = []
                for (index, name) in ["Arnica Montana 30C", "Belladonna 200C", "Nux Vomica 30C"].enumerated() {
                    let product: NewProduct = try decode(
                        #"{"sku": "BENCH-\#(index + 1)", "name": "\#(name)", "form": "dilution", "packSize": 30, "packUnit": "ml", "hsnCode": "30049014", "mrp": 9500, "gstRates": [{"effectiveFrom": "2017-07-01", "rateBasisPoints": 1200}]}"#
                    )
                    products.append(
                        try await MasterDataCommands.createProduct(product, on: transaction, context: context))
                }
                let lines = products.map { #"{"productId": \#($0), "quantity": 10000000, "unitCost": 5000}"# }.joined(
                    separator: ", ")
                var orders: [Int64] = []
                for _ in 0..<clients {
                    let order: NewPurchaseOrder = try decode(
                        #"{"vendorId": \#(vendor), "warehouseId": \#(warehouse), "lines": [\#(lines)]}"#)
                    let id = try await PurchaseOrderCommands.create(order, on: transaction, context: context)
                    try await PurchaseOrderCommands.approve(id, on: transaction, context: context)
                    orders.append(id)
                }
                _ = try await UserCommands.create(
                    NewUser(
                        email: Self.storekeeper.email, name: "Bench storekeeper", password: Self.storekeeper.password,
                        roles: [.storekeeper]),
                    passwords: Passwords(cost: 4), on: transaction, context: context)
                return Orders(ids: orders, products: products, vendor: vendor, warehouse: warehouse)
            }
        }
    }

    /// Who the HTTP clients sign in as.
    static let storekeeper = (email: "storekeeper@bench.test", password: "a long benchmark password")

    /// How the HTTP path checks its requests.
    enum Credentials: CustomStringConvertible {
        /// As `erp serve` does: a signed-in storekeeper's access token, its signature
        /// checked on every request and its session at most every 2 s (the principal cache).
        case signedIn
        /// Every request taken to be the storekeeper's, nothing checked: the baseline
        /// that tells what checking costs. Only the benchmark has such an authenticator.
        case unchecked

        var description: String { self == .signedIn ? "signed in" : "credential not checked" }
    }

    private func decode<Body: Decodable>(_ json: String) throws -> Body {
        try JSONDecoder().decode(Body.self, from: Data(json.utf8))
    }

    /// The body client `client` posts: its order, three lines of 5 units of its own batches.
    static func body(order: Int64, client: Int) -> String {
        let lines = (1...3).map {
            #"{"orderLineNumber": \#($0), "quantity": 5, "batchNumber": "C\#(client)-L\#($0)", "expiresOn": "2031-03-31", "manufacturedOn": "2026-01-15"}"#
        }
        return
            #"{"purchaseOrderId": \#(order), "vendorReference": "DC-BENCH", "lines": [\#(lines.joined(separator: ", "))]}"#
    }

    // MARK: - HTTP

    /// Runs the API server in this process (the pool `erp serve` uses) and posts receipts to it.
    func runOverHTTP(_ orders: Orders, credentials: Credentials = .signedIn) async throws -> Result {
        let client = PostgresClient(
            configuration: workspace.database.configuration.clientConfiguration(), backgroundLogger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let modules = Modules.list(.init(authentication: AuthenticationSettings(tokenKey: .random(), bcryptCost: 4)))
        var routes = Modules.routes(modules, client: client)
        if credentials == .unchecked { routes.authenticator = UncheckedAuthenticator(grants: modules.grants) }
        let app = APIServer.application(
            readiness: Readiness(client: client, listener: nil), client: client,
            routes: routes,
            configuration: .init(host: "127.0.0.1", port: 0),
            onServerRunning: { port in portContinuation.yield(port) }, logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw Failure(description: "the API server did not start") }
            return try await postReceipts(orders, port: port, signIn: credentials == .signedIn)
        }
    }

    /// Posts receipts for `seconds` from every client to the API on `port`, as the signed-in
    /// storekeeper or (`signIn` false) with a token nothing checks.
    func postReceipts(_ orders: Orders, port: Int, signIn: Bool) async throws -> Result {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = http.shutdown() }
        let token = signIn ? try await self.signIn(http, port: port) : "unchecked"
        let url = "http://127.0.0.1:\(port)/api/v1/goods-receipts"
        return try await measure { index in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .bytes(ByteBuffer(string: Self.body(order: orders.ids[index], client: index)))
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .created else {
                throw Failure(
                    description: "POST /goods-receipts answered \(response.status): \(String(buffer: body))")
            }
        }
    }

    /// The storekeeper's access token, from `POST /auth/login`.
    func signIn(_ http: HTTPClient, port: Int) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                string: #"{"email": "\#(Self.storekeeper.email)", "password": "\#(Self.storekeeper.password)"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = json["accessToken"] as? String
        else { throw Failure(description: "signing in answered \(response.status): \(String(buffer: body))") }
        return token
    }

    // MARK: - Command, no HTTP

    /// Calls the same command handler on the same pool, without HTTP and JSON.
    func runCommandDirectly(_ orders: Orders) async throws -> Result {
        let client = PostgresClient(
            configuration: workspace.database.configuration.clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let receipts: [NewGoodsReceipt] = try (0..<clients).map {
                try decode(Self.body(order: orders.ids[$0], client: $0))
            }
            return try await measure { index in
                try await client.withConnection { connection in
                    try await connection.inTransaction(logger: logger) { transaction in
                        let context = CommandContext(actor: "erp-bench", requestID: "direct", logger: logger)
                        try await context.apply(to: transaction)
                        let id = try await GoodsReceiptCommands.receive(
                            receipts[index], on: transaction, context: context)
                        _ = try await SQLDocuments.document(.goodsReceipt, id: id, on: transaction, logger: logger)
                    }
                }
            }
        }
    }

    private func measure(_ receipt: @escaping @Sendable (Int) async throws -> Void) async throws -> Result {
        try await Load(clients: clients, seconds: seconds).measure(receipt)
    }
}

/// Takes every request for the storekeeper's, checking nothing: the baseline against which
/// the benchmark measures what checking a credential costs. Never part of a server.
struct UncheckedAuthenticator: RequestAuthenticator {
    let grants: RoleGrants

    func principal(for credential: String, context: ERPRequestContext) async throws -> Principal {
        Principal(actor: "user:bench", name: "bench", roles: [.storekeeper], customPermissions: [], grants: grants)
    }
}
