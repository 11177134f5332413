// Signing in, tokens, refresh rotation, API keys, throttling and the audit trail, over
// real HTTP on a real database.
import Crypto
import ERPHTTP
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import MasterData
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Testing
import Users

@Suite struct AuthenticationTests {
    /// A JWT signed with HS256 and `key` (or unsigned with `alg: none`), to forge tokens.
    static func jwt(_ claims: [String: Any], key: String?, algorithm: String = "HS256") throws -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let header = encode(try JSONSerialization.data(withJSONObject: ["alg": algorithm, "typ": "JWT"]))
        let payload = encode(try JSONSerialization.data(withJSONObject: claims))
        guard let key else { return "\(header).\(payload)." }
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data(key.utf8)))
        return "\(header).\(payload).\(encode(Data(signature)))"
    }

    /// The claims of `token` (not checked).
    static func claims(_ token: String) throws -> [String: Any] {
        var part = String(token.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while part.count % 4 != 0 { part += "=" }
        let data = try #require(Data(base64Encoded: part))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func get(_ http: JSONClient, _ path: String, token: String?) async throws -> TestResponse {
        try await http.signed(token).execute(uri: path, method: .get)
    }

    @Test func withoutAValidTokenEveryAPIRouteIs401WithAChallenge() async throws {
        try await LiveAPI.with { _, http in
            let none = try await Self.get(http, "/api/v1/products", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="ERPCore""#)
            #expect(try LiveAPI.problem(none).detail.contains("POST /api/v1/auth/login"))

            let valid = try await LiveAPI.signIn(http.http, email: LiveAPI.adminEmail)
            var claims = try Self.claims(valid)
            #expect(try await Self.get(http, "/api/v1/products", token: valid).status == .ok)

            let now = Int(Date().timeIntervalSince1970)
            claims["exp"] = now - 60
            let expired = try Self.jwt(claims, key: LiveAPI.tokenKey)
            claims["exp"] = now + 600
            let forged = try Self.jwt(claims, key: "another-key-of-thirty-two-bytes-or-more!")
            let unsigned = try Self.jwt(claims, key: nil, algorithm: "none")
            claims["sub"] = "999"
            let otherUser = try Self.jwt(claims, key: LiveAPI.tokenKey)
            let tampered = valid.dropLast(3) + (valid.hasSuffix("AAA") ? "BBB" : "AAA")
            for (what, token) in [
                ("expired", expired), ("forged", forged), ("alg none", unsigned), ("tampered", String(tampered)),
                ("garbage", "not-a-token"), ("another user in the session", otherUser),
            ] {
                let response = try await Self.get(http, "/api/v1/products", token: token)
                #expect(response.status == .unauthorized, "\(what)")
                #expect(response.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true, "\(what)")
            }
            let basic = try await http.execute(
                uri: "/api/v1/products", method: .get, headers: [.authorization: "Basic YWRtaW46YWRtaW4="])
            #expect(basic.status == .unauthorized)
            // The open routes stay open.
            #expect(try await Self.get(http, "/health", token: nil).status == .ok)
        }
    }

    @Test func theSameAnswerForAnUnknownEmailAndAWrongPasswordAndEachIsRecorded() async throws {
        try await LiveAPI.with { test, http in
            func login(_ email: String, _ password: String) async throws -> TestResponse {
                try await http.http.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#))
            }
            let unknown = try await login("nobody@shop.test", LiveAPI.adminPassword)
            let wrong = try await login(LiveAPI.adminEmail, "not the password at all")
            #expect(unknown.status == .unauthorized)
            #expect(wrong.status == .unauthorized)
            #expect(try LiveAPI.problem(unknown).detail == "the email or the password is wrong")
            #expect(try LiveAPI.problem(wrong).detail == "the email or the password is wrong")
            let failures = try await test.scalar(
                """
                SELECT string_agg(payload ->> 'email' || ' ' || (payload ->> 'reason'), ', ' ORDER BY position)
                  FROM events WHERE type = 'auth.login_failed'
                """, as: String.self)
            #expect(failures == "nobody@shop.test unknown_email, admin@shop.test wrong_password")
            // Neither the password nor a hash of it is in any event.
            let leaked = try await test.scalar(
                "SELECT count(*)::int FROM events WHERE payload::text LIKE '%not the password%' OR payload::text LIKE '%$2b$%'",
                as: Int.self)
            #expect(leaked == 0)
        }
    }

    @Test func failedSignInsAreThrottledWith429AndRetryAfter() async throws {
        let throttle = LoginThrottle(accountThreshold: 3, addressThreshold: 100, base: .seconds(60))
        try await LiveAPI.with(throttle: throttle) { test, http in
            func login(_ password: String) async throws -> TestResponse {
                try await http.http.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"email":"\#(LiveAPI.adminEmail)","password":"\#(password)"}"#))
            }
            for _ in 0..<3 { #expect(try await login("wrong password here").status == .unauthorized) }
            // Now even the right password waits.
            let refused = try await login(LiveAPI.adminPassword)
            #expect(refused.status == .tooManyRequests)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((50...60).contains(retryAfter))
            #expect(try LiveAPI.problem(refused).detail.contains("try again in"))
            // Other accounts are not held up.
            try await LiveAPI.createUser(test, email: "asha@shop.test", roles: [.viewer])
            #expect(try await LiveAPI.tokens(http.http, email: "asha@shop.test").accessToken.isEmpty == false)
        }
    }

    @Test func aRefreshTokenRotatesAndItsReuseRevokesTheSession() async throws {
        try await LiveAPI.with { test, http in
            func refresh(_ token: String) async throws -> TestResponse {
                try await http.http.execute(
                    uri: "/api/v1/auth/refresh", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"refreshToken":"\#(token)"}"#))
            }
            let first = try await LiveAPI.tokens(http.http, email: LiveAPI.adminEmail)
            #expect(first.expiresIn == 900)
            let second = try JSONDecoder().decode(
                LiveAPI.TokenAnswer.self, from: try await refresh(first.refreshToken).body)
            #expect(second.refreshToken != first.refreshToken)
            #expect(try await Self.get(http, "/api/v1/auth/me", token: second.accessToken).status == .ok)
            // The spent token again: the session ends, the current tokens with it.
            let reused = try await refresh(first.refreshToken)
            #expect(reused.status == .unauthorized)
            #expect(try LiveAPI.problem(reused).detail.contains("already used"))
            #expect(try await refresh(second.refreshToken).status == .unauthorized)
            #expect(try await Self.get(http, "/api/v1/auth/me", token: second.accessToken).status == .unauthorized)
            #expect(try await refresh("erpr_unknown").status == .unauthorized)
            let reasons = try await test.scalar(
                "SELECT string_agg(type || ':' || COALESCE(payload ->> 'revokedReason', ''), ',' ORDER BY position) FROM events WHERE aggregate_type = 'session' AND aggregate_id = \(try Self.claims(first.accessToken)["sid"] as? String ?? "")",
                as: String.self)
            #expect(reasons == "auth.login_succeeded:,auth.token_refreshed:,auth.session_revoked:refresh_token_reused")
            // No token is stored, only hashes.
            let stored = try await test.scalar(
                "SELECT count(*)::int FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE 'erpr_%'",
                as: Int.self)
            #expect(stored == 0)
        }
    }

    @Test func signingOutAndDeactivatingEndTheAccessTokenAtOnce() async throws {
        try await LiveAPI.with { test, http in
            let token = try await LiveAPI.signIn(http.http, email: LiveAPI.adminEmail)
            let out = try await http.signed(token).execute(uri: "/api/v1/auth/logout", method: .post)
            #expect(out.status == .ok)
            let after = try await Self.get(http, "/api/v1/products", token: token)
            #expect(after.status == .unauthorized)
            #expect(try LiveAPI.problem(after).detail.contains("the session has ended"))

            let asha = try await LiveAPI.createUser(test, email: "asha@shop.test", roles: [.viewer])
            let hers = try await LiveAPI.signIn(http.http, email: "asha@shop.test")
            #expect(try await Self.get(http, "/api/v1/products", token: hers).status == .ok)
            try await Shop(http: http).patch("users/\(asha)", version: 1, UserChanges(active: false))
            #expect(try await Self.get(http, "/api/v1/products", token: hers).status == .unauthorized)
            let again = try await http.http.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"asha@shop.test","password":"\#(LiveAPI.adminPassword)"}"#))
            #expect(again.status == .unauthorized)
            // The last active administrator cannot be switched off.
            let last = try await http.execute(
                uri: "/api/v1/users/1", method: .patch, headers: [.ifMatch: "1"],
                body: ByteBuffer(string: #"{"roles":["viewer"]}"#))
            #expect(last.status == .unprocessableContent)
        }
    }

    @Test func aDeactivationByAnotherProcessEndsTheTokenWithinTheCacheLifetime() async throws {
        try await LiveAPI.with { test, http in
            try await LiveAPI.createUser(test, email: "ravi@shop.test", roles: [.viewer])
            let token = try await LiveAPI.signIn(http.http, email: "ravi@shop.test")
            #expect(try await Self.get(http, "/api/v1/products", token: token).status == .ok)
            // `erp users deactivate` is another process: this server hears of it when its
            // checked credential (kept 2 s) is asked about again.
            let deactivate = try await ERPProcess.run(
                ["users", "deactivate", "--email", "ravi@shop.test"], environment: ["DATABASE_URL": test.url])
            #expect(deactivate.status == 0, "\(deactivate.errors)")
            try await eventually(timeout: .seconds(30), "the deactivated user's token is refused") {
                try await Self.get(http, "/api/v1/products", token: token).status == .unauthorized
            }
        }
    }

    @Test func anUnknownUserOrKeyIs404() async throws {
        try await LiveAPI.with { _, http in
            let user = try await http.execute(uri: "/api/v1/users/999999", method: .get)
            #expect(user.status == .notFound, "\(String(buffer: user.body))")
            #expect(try LiveAPI.problem(user).detail.contains("there is no user 999999"))
            let key = try await http.execute(uri: "/api/v1/api-keys/999999/revoke", method: .post)
            #expect(key.status == .notFound, "\(String(buffer: key.body))")
        }
    }

    @Test func meShowsTheUserTheirRolesAndWhatTheyMayDo() async throws {
        try await LiveAPI.with { test, http in
            try await LiveAPI.createUser(test, email: "store@shop.test", roles: [.storekeeper])
            let token = try await LiveAPI.signIn(http.http, email: "store@shop.test")
            let me = try LiveAPI.json(try await Self.get(http, "/api/v1/auth/me", token: token))
            #expect(me["actor"] as? String == "user:2")
            #expect(me["roles"] as? [String] == ["storekeeper"])
            let permissions = try #require(me["permissions"] as? [String])
            #expect(permissions.contains("inventory.issue"))
            #expect(!permissions.contains("users.manage"))
            #expect((me["user"] as? [String: Any])?["email"] as? String == "store@shop.test")
        }
    }

    @Test func anAPIKeyActsWithItsRolesUntilRevokedAndIsShownOnce() async throws {
        try await LiveAPI.with { test, http in
            let created = try await Shop(http: http).post(
                "api-keys", NewAPIKey(name: "tally-export", roles: ["viewer"]))
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let body = try LiveAPI.json(created)
            let key = try #require(body["key"] as? String)
            let document = try #require(body["apiKey"] as? [String: Any])
            let id = try #require(document["id"] as? Int)
            #expect(key.hasPrefix("erpk_"))
            #expect(key.hasPrefix(try #require(document["prefix"] as? String) + "_"))

            #expect(try await Self.get(http, "/api/v1/products", token: key).status == .ok)
            let write = try await Shop(http: http.signed(key)).post(
                "products", Shop.product(sku: "ARN-30C", name: "Arnica", reorderLevel: 1))
            #expect(write.status == .forbidden)
            #expect(try LiveAPI.problem(write).detail.contains("masterdata.manage"))
            // A key's secret is never stored or listed; its use is.
            let stored = try await test.scalar(
                "SELECT secret_hash = sha256(convert_to(\(key), 'UTF8')) FROM api_keys WHERE id = \(id)", as: Bool.self)
            #expect(stored, "only the key's SHA-256 is kept")
            let listed = try await Self.get(http, "/api/v1/api-keys", token: nil)
            #expect(listed.status == .unauthorized)
            let list = String(buffer: try await http.execute(uri: "/api/v1/api-keys", method: .get).body)
            #expect(!list.contains(String(key.suffix(20))))
            #expect(list.contains("lastUsedAt"))
            // The key's actor is in the events it causes... it may only read, so none; revoke it.
            let wrongSecret = String(key.dropLast(4)) + "abcd"
            #expect(try await Self.get(http, "/api/v1/products", token: wrongSecret).status == .unauthorized)
            #expect(try await Shop(http: http).post("api-keys/\(id)/revoke", "").status == .ok)
            #expect(try await Self.get(http, "/api/v1/products", token: key).status == .unauthorized)
            // Creating one with an Idempotency-Key is refused: the stored answer would keep the secret.
            let replayable = try await Shop(http: http).post(
                "api-keys", NewAPIKey(name: "again", roles: ["viewer"]), key: "key-1")
            #expect(replayable.status == .unprocessableContent)
            let unknownRole = try await Shop(http: http).post("api-keys", NewAPIKey(name: "bad", roles: ["wizard"]))
            #expect(unknownRole.status == .unprocessableContent)
        }
    }

    @Test func aCustomRoleGrantsExactlyItsPermissions() async throws {
        try await LiveAPI.with { test, http in
            let role = try await Shop(http: http).create(
                "roles", NewRole(name: "stock_reader", permissions: ["inventory.read", "masterdata.read"]))
            let bad = try await Shop(http: http).post("roles", NewRole(name: "wizard", permissions: ["everything.all"]))
            #expect(bad.status == .unprocessableContent)
            let builtIn = try await http.execute(
                uri: "/api/v1/roles/1", method: .patch, headers: [.ifMatch: "1"],
                body: ByteBuffer(string: #"{"permissions":["inventory.read"]}"#))
            #expect(builtIn.status == .unprocessableContent)
            let reader = try await LiveAPI.createUser(test, email: "reader@shop.test", roles: [])
            try await Shop(http: http).patch(
                "users/\(reader)", version: 1, UserChanges(roles: [Role(rawValue: "stock_reader")]))
            let token = try await LiveAPI.signIn(http.http, email: "reader@shop.test")
            #expect(try await Self.get(http, "/api/v1/stock-levels", token: token).status == .ok)
            #expect(try await Self.get(http, "/api/v1/purchase-orders", token: token).status == .forbidden)
            // Taking a permission away works on the next request.
            try await Shop(http: http).patch("roles/\(role)", version: 1, RoleChanges(permissions: ["masterdata.read"]))
            #expect(try await Self.get(http, "/api/v1/stock-levels", token: token).status == .forbidden)
            let roles = try LiveAPI.json(try await http.execute(uri: "/api/v1/roles", method: .get))
            let names = (roles["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == Role.builtIn.map(\.rawValue) + ["stock_reader"])
        }
    }

    @Test func theAuditTrailSaysWhoDidWhatFromWhere() async throws {
        try await LiveAPI.with { test, http in
            try await LiveAPI.createUser(test, email: "buyer@shop.test", roles: [.purchaser])
            let buyer = http.signed(try await LiveAPI.signIn(http.http, email: "buyer@shop.test"))
            let warehouse = try await Shop(http: http).create(
                "warehouses", NewWarehouse(code: "MUM", name: "Mumbai", stateCode: "27"))
            let vendor = try await Shop(http: buyer).create(
                "vendors", NewVendor(name: "Bharat Homoeo", gstin: "27AAPFU0939F1ZV"))
            let ignored = try await buyer.execute(
                uri: "/api/v1/vendors", method: .post, headers: [HTTPField.Name("X-Actor") ?? .contentType: "user:1"],
                body: ByteBuffer(string: #"{"name":"Second Vendor","stateCode":"27"}"#))
            #expect(ignored.status == .created)

            let page = try LiveAPI.json(
                try await http.execute(uri: "/api/v1/audit?actor=buyer@shop.test&type=vendor.created", method: .get))
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(
                items.allSatisfy {
                    $0["actor"] as? String == "user:2" && $0["actorName"] as? String == "buyer@shop.test"
                })
            #expect(items.allSatisfy { ($0["clientAddress"] as? String)?.isEmpty == false })
            #expect(items.allSatisfy { $0["requestId"] as? String != nil })
            #expect(items.last?["aggregate"] as? String == "vendor:\(vendor)")

            let byAggregate = try LiveAPI.json(
                try await http.execute(uri: "/api/v1/audit?aggregate=warehouse:\(warehouse)", method: .get))
            let warehouseEvents = try #require(byAggregate["items"] as? [[String: Any]])
            #expect(warehouseEvents.map { $0["actor"] as? String } == ["user:1"])
            // Paged, newest first.
            let first = try LiveAPI.json(try await http.execute(uri: "/api/v1/audit?limit=2", method: .get))
            let cursor = try #require(first["nextCursor"] as? String)
            let next = try LiveAPI.json(
                try await http.execute(uri: "/api/v1/audit?limit=2&cursor=\(cursor)", method: .get))
            let positions = ((first["items"] as? [[String: Any]]) ?? []) + ((next["items"] as? [[String: Any]]) ?? [])
            let numbers = positions.compactMap { $0["position"] as? Int }
            #expect(numbers.count == 4 && numbers == numbers.sorted(by: >))
            let today = Shop.date(daysFromToday: 0)
            let dated = try await http.execute(uri: "/api/v1/audit?from=\(today)&to=\(today)", method: .get)
            #expect(dated.status == .ok)
            #expect(try await http.execute(uri: "/api/v1/audit?aggregate=vendor", method: .get).status == .badRequest)
            #expect(try await http.execute(uri: "/api/v1/audit?from=yesterday", method: .get).status == .badRequest)
            // A purchaser may not read the audit trail.
            #expect(try await buyer.execute(uri: "/api/v1/audit", method: .get).status == .forbidden)
        }
    }
}
