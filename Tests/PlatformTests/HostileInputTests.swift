// Bad input and hostile clients: each answer is a 4xx naming what is wrong, and writes nothing.
import ERPApp
import ERPEvents
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
import NIOHTTP1
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct HostileInputTests {
    /// Rows of every table a refused command could have written to, and the events.
    static func footprint(_ test: TestDatabase) async throws -> String {
        try await test.scalar(
            """
            SELECT concat_ws(',', (SELECT count(*) FROM events), (SELECT count(*) FROM products), (SELECT count(*) FROM warehouses),
                   (SELECT count(*) FROM vendors), (SELECT count(*) FROM stock_documents), (SELECT count(*) FROM purchase_orders),
                   (SELECT count(*) FROM idempotency_keys))
            """,
            as: String.self
        )
    }

    @Test func anIdempotencyKeyCannotBeBypassedBySpellingThePathDifferently() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 20, 4200)])
            try await shop.create(
                "goods-receipts", Shop.receipt(order: order, [(1, 20, "A1", Shop.date(daysFromToday: 300))]))
            let body =
                #"{"warehouseId": \#(shop.mumbai), "reason": "count", "lines": \#(Shop.stockLines([(shop.arnica, "A1", 1)]))}"#
            let first = try await shop.post("stock-adjustments", body, key: "adjust-1")
            #expect(first.status == .created)
            let before = try await Self.footprint(test)
            for spelling in ["/api/v1/stock-adjustments/", "//api/v1/stock-adjustments", "/api/v1//stock-adjustments"] {
                let again = try await http.execute(
                    uri: spelling, method: .post, headers: [.idempotencyKey: "adjust-1"], body: ByteBuffer(string: body)
                )
                #expect(again.status == .notFound, "\(spelling)")
            }
            for spelling in ["0\(order)", "+\(order)", "\(order)/"] {
                let approve = try await http.execute(uri: "/api/v1/purchase-orders/\(spelling)/cancel", method: .post)
                #expect(approve.status == .notFound, "\(spelling)")
            }
            // The canonical spelling with the same key answers the first response.
            let repeated = try await shop.post("stock-adjustments", body, key: "adjust-1")
            #expect(repeated.status == .created)
            #expect(String(buffer: repeated.body) == String(buffer: first.body))
            #expect(try await Self.footprint(test) == before)
            // The key is filed under the route and its parameters, not the raw path.
            #expect(
                try await test.scalar("SELECT endpoint FROM idempotency_keys", as: String.self)
                    == "POST /api/v1/stock-adjustments")
        }
    }

    @Test func idempotencyKeysAreVisibleASCIIOfAtMost200Bytes() async throws {
        try await LiveAPI.with { test, http in
            let body = #"{"code": "MUM", "name": "Mumbai godown", "stateCode": "27"}"#
            for key in [
                String(repeating: "é", count: 150), "has space", String(repeating: "k", count: 201), "tab\tkey",
            ] {
                let response = try await http.execute(
                    uri: "/api/v1/warehouses", method: .post, headers: [.idempotencyKey: key],
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest)
                #expect(try LiveAPI.problem(response).type == "/problems/invalid-idempotency-key")
            }
            let longest = String(repeating: "k", count: 200)
            let accepted = try await http.execute(
                uri: "/api/v1/warehouses", method: .post, headers: [.idempotencyKey: longest],
                body: ByteBuffer(string: body)
            )
            #expect(accepted.status == .created)
            #expect(try await test.scalar("SELECT count(*) FROM warehouses", as: Int.self) == 1)
        }
    }

    @Test func aNullCharacterInAnyTextIsAFieldErrorNotAServerError() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let before = try await Self.footprint(test)
            let cases: [(path: String, body: String, field: String)] = [
                ("products", Shop.product(sku: "NUL-1", name: #"Arnica\u0000"#, reorderLevel: 1), "name"),
                ("warehouses", #"{"code": "W1", "name": "Pune\u0000 godown", "stateCode": "27"}"#, "name"),
                ("vendors", #"{"name": "\u0000", "stateCode": "27"}"#, "name"),
                (
                    "stock-adjustments",
                    #"{"warehouseId": \#(shop.mumbai), "reason": "count", "notes": "x\u0000", "lines": \#(Shop.stockLines([(shop.arnica, "A\\u0000", 1)]))}"#,
                    "lines[0].batchNumber"
                ),
            ]
            for (path, body, field) in cases {
                let response = try await shop.post(path, body)
                #expect(response.status == .unprocessableContent, "\(path): \(String(buffer: response.body))")
                #expect(try LiveAPI.problem(response).errors.map(\.field).contains(field), "\(path)")
            }
            let search = try await http.execute(uri: "/api/v1/products?q=arn%00ica", method: .get)
            #expect(search.status == .badRequest)
            #expect(try LiveAPI.problem(search).errors.map(\.field) == ["q"])
            #expect(try await Self.footprint(test) == before)
        }
    }

    @Test func everyBadNumberAndFieldIsNamedAtOnce() async throws {
        try await LiveAPI.with { test, http in
            let body = #"""
                {"sku": "ARN-1", "name": 7, "form": "dilution", "packSize": 2.5, "packUnit": "ml", "hsnCode": "30049014",
                 "mrp": 99999999999999999999, "reorderLevel": "ten", "gstRates": [{"effectiveFrom": "2025-02-30", "rateBasisPoints": 500}],
                 "colour": "blue"}
                """#
            let response = try await http.execute(
                uri: "/api/v1/products", method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .unprocessableContent)
            let problem = try LiveAPI.problem(response)
            let fields = Set(problem.errors.map(\.field))
            #expect(
                fields.isSuperset(of: [
                    "name", "packSize", "mrp", "reorderLevel", "gstRates[0].effectiveFrom", "colour",
                ]), "\(problem.errors)")
            #expect(problem.errors.first { $0.field == "packSize" }?.message.contains("whole number") == true)
            #expect(problem.errors.first { $0.field == "mrp" }?.message.contains("an integer from") == true)
            #expect(problem.errors.first { $0.field == "colour" }?.message == "is not a field of this request")
            #expect(try await test.scalar("SELECT count(*) FROM products", as: Int.self) == 0)
        }
    }

    @Test func commandsTakeJSONOnlyAndForeignOriginsAreRefused() async throws {
        try await LiveAPI.with(allowedOrigins: ["https://shop.example"]) { test, http in
            let body = ByteBuffer(string: #"{"code": "MUM", "name": "Mumbai godown", "stateCode": "27"}"#)
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let response = try await http.execute(
                    uri: "/api/v1/warehouses", method: .post, headers: [.contentType: type], body: body)
                #expect(response.status == .unsupportedMediaType, "\(type)")
            }
            let evil = try await http.execute(
                uri: "/api/v1/warehouses", method: .post, headers: [.origin: "https://evil.example"], body: body)
            #expect(evil.status == .forbidden)
            let evilRead = try await http.execute(
                uri: "/api/v1/warehouses", method: .get, headers: [.origin: "https://evil.example"])
            #expect(evilRead.status == .forbidden)
            let refusedPreflight = try await http.execute(
                uri: "/api/v1/warehouses", method: .options, headers: [.origin: "https://evil.example"])
            #expect(refusedPreflight.status == .forbidden)
            #expect(try await test.scalar("SELECT count(*) FROM warehouses", as: Int.self) == 0)

            let preflight = try await http.execute(
                uri: "/api/v1/warehouses", method: .options, headers: [.origin: "https://shop.example"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://shop.example")
            let allowed = try await http.execute(
                uri: "/api/v1/warehouses", method: .post, headers: [.origin: "https://shop.example"], body: body)
            #expect(allowed.status == .created)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://shop.example")
            // The test client names the server `localhost`, with no port.
            let own = try await http.execute(
                uri: "/api/v1/warehouses", method: .get, headers: [.origin: "http://localhost"])
            #expect(own.status == .ok)
        }
    }

    @Test func aWrongMethodIs405WithAllowAndHeadWorksWhereGetDoes() async throws {
        try await LiveAPI.with { _, http in
            let delete = try await http.execute(uri: "/api/v1/products", method: .delete)
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow] == "POST, GET, HEAD")
            let put = try await http.execute(uri: "/api/v1/products/7", method: .put)
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, PATCH, HEAD")
            #expect(try await http.execute(uri: "/api/v1/nothing-here", method: .delete).status == .notFound)
            let head = try await http.execute(uri: "/api/v1/products", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(try await http.execute(uri: "/ready", method: .head).status == .ok)
        }
    }

    @Test func aMalformedChunkedBodyIs400() async throws {
        try await LiveAPI.with { test, http in
            let port = try #require(http.port)
            let answer = try RawHTTP.exchange(
                port: port,
                "POST /api/v1/warehouses HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer \(http.token ?? "")\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
            )
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(try await test.scalar("SELECT count(*) FROM warehouses", as: Int.self) == 0)
        }
    }
}

/// A client socket driven byte by byte, for what a well-behaved HTTP client never does.
final class RawSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("no socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw SetupError("cannot connect to port \(port)")
        }
        var ignore: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_KEEPALIVE, &ignore, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    /// Writes `text`; `false` when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return Foundation.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// Whether the server closed the connection within `timeout` (reading and dropping what it sent).
    func closesWithin(_ timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&poller, 1, remaining) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }
}

/// One request written byte for byte on a socket of its own, and the answer's first bytes.
enum RawHTTP {
    static func exchange(port: Int, _ request: String, timeout: TimeInterval = 10) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("no socket") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var wait = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw SetupError("cannot connect to port \(port)") }
        let bytes = Array(request.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw SetupError("short write") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}

@Suite struct ConnectionLimitTests {
    @Test func aTrickledHeaderAnIdleConnectionAndOneTooManyAreClosed() async throws {
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(
                test,
                [
                    "--no-jobs", "--no-projectors", "--header-timeout", "2", "--idle-timeout", "3", "--max-connections",
                    "3",
                ]
            )
            defer { server.kill() }
            try await eventually("ready") { try await server.request(.GET, "/ready")?.status == 200 }
            // Connections of the readiness checks above close first.
            try await Task.sleep(for: .seconds(3.5))

            // One at a time: connections accepted at once land on either event loop, and
            // which of them is the one too many is then a race.
            let trickle = try RawSocket(port: server.port)
            try await Task.sleep(for: .milliseconds(200))
            let idle = try RawSocket(port: server.port)
            try await Task.sleep(for: .milliseconds(200))
            let third = try RawSocket(port: server.port)
            try await Task.sleep(for: .milliseconds(200))
            let tooMany = try RawSocket(port: server.port)
            #expect(tooMany.closesWithin(1), "a fourth connection is closed at once")

            var closedAt: Duration?
            let started = ContinuousClock.now
            for byte in "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " {
                guard trickle.send(String(byte)), !trickle.closesWithin(0.5) else {
                    closedAt = ContinuousClock.now - started
                    break
                }
            }
            #expect(closedAt != nil, "a header trickled a byte every half second is cut off")
            #expect(idle.closesWithin(5), "an idle connection is closed after the idle timeout")
            // A connection that asks in time is served.
            #expect(third.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"))
            #expect(try await server.request(.GET, "/health")?.status == 200)
            #expect(try await server.stop() == 0)
        }
    }
}
