// Mutated command bodies, seeded and bounded: never a 5xx, and a refused command writes nothing.
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
import NIOHTTP1
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct CommandFuzzTests {

    /// What a refused command must leave as it was.
    static func footprint(_ test: TestDatabase) async throws -> String {
        try await test.scalar(
            """
            SELECT concat_ws(',', (SELECT count(*) FROM events), (SELECT count(*) FROM idempotency_keys),
                   (SELECT count(*) FROM products), (SELECT count(*) FROM warehouses), (SELECT count(*) FROM vendors),
                   (SELECT count(*) FROM purchase_orders), (SELECT count(*) FROM purchase_order_lines),
                   (SELECT count(*) FROM goods_receipts), (SELECT count(*) FROM stock_documents), (SELECT count(*) FROM batches),
                   (SELECT sum(quantity) FROM stock_on_hand), (SELECT sum(version) FROM products),
                   (SELECT sum(version) FROM purchase_orders))
            """,
            as: String.self
        )
    }

    /// Values that break fields in the ways clients do.
    static var hostile: [Any] {
        [
            NSNull(), "", "\u{0}", String(repeating: "x", count: 5000), -1, 0, 2.5, 1e20, 99_999_999_999_999_999.0,
            Int64.max, true,
            [Any](), ["nested": 1], "2026-02-30", "1", "27AAPFU0939F1ZW", "🙂", "'; DROP TABLE products; --",
        ]
    }

    /// `body` with one mutation: a field removed, replaced by a hostile value, an unknown
    /// field added, or the same done inside a line.
    static func mutate(_ body: [String: Any], using random: inout SeededGenerator) -> [String: Any] {
        var body = body
        let keys = body.keys.sorted()
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            if let key = keys.randomElement(using: &random) { body.removeValue(forKey: key) }
        case 1:
            if let key = keys.randomElement(using: &random) { body[key] = hostile.randomElement(using: &random) }
        case 2:
            body["unexpected"] = hostile.randomElement(using: &random)
        default:
            guard var lines = body["lines"] as? [[String: Any]], !lines.isEmpty else {
                body["lines"] = hostile.randomElement(using: &random)
                break
            }
            let index = Int.random(in: 0..<lines.count, using: &random)
            if let key = lines[index].keys.sorted().randomElement(using: &random) {
                lines[index][key] = hostile.randomElement(using: &random)
            }
            body["lines"] = lines
        }
        return body
    }

    @Test func mutatedCommandsNeverFailTheServerAndARefusalWritesNothing() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["ERP_FUZZ_SEED"] ?? "") ?? 20_261_202
        try await LiveAPI.with { test, http in
            let examples = try ReadmeWalkthroughTests.readmeExamples()
            var random = SeededGenerator(state: seed)
            func send(_ example: ReadmeWalkthroughTests.Example, body: String?) async throws -> TestResponse {
                var headers = HTTPFields()
                // The README's $TOKEN is this server's administrator's.
                for (name, value) in example.headers {
                    if let field = HTTPField.Name(name) {
                        headers[field] = value.replacingOccurrences(of: "$TOKEN", with: http.token ?? "")
                    }
                }
                return try await http.execute(
                    uri: example.path, method: HTTPRequest.Method(example.method.rawValue) ?? .get, headers: headers,
                    body: body.map { ByteBuffer(string: $0) }
                )
            }
            var requests = 0
            for example in examples {
                // The walkthrough builds the shop the mutations then attack.
                _ = try await send(example, body: example.body)
                guard let body = example.body, example.method != .GET,
                    let document = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                else { continue }
                for _ in 0..<15 {
                    let mutated = Self.mutate(document, using: &random)
                    let text = String(
                        decoding: try JSONSerialization.data(withJSONObject: mutated, options: [.sortedKeys]),
                        as: UTF8.self)
                    let before = try await Self.footprint(test)
                    let response = try await send(example, body: text)
                    requests += 1
                    #expect(
                        response.status.code < 500, "seed \(seed): \(example) with \(text) answered \(response.status)")
                    // A refused sign-in is recorded on purpose (auth.login_failed), and nothing else.
                    if example.path == "/api/v1/auth/login" {
                        #expect(response.status.code != 200 || text == body, "seed \(seed): \(text) signed in")
                    } else if (400..<500).contains(response.status.code) {
                        #expect(
                            try await Self.footprint(test) == before,
                            "seed \(seed): \(example) with \(text) was refused but wrote")
                    }
                }
            }
            #expect(requests >= 150)
        }
    }
}
