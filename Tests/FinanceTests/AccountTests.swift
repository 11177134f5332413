// The chart of accounts over real HTTP: seeded, an account added under a group with its
// type, renamed at its version, deactivated unless the posting rules need it.
import ERPKernel
import ERPTestSupport
import Finance
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@Suite struct AccountTests {
    @Test func accountsAreAddedUnderAGroupRenamedAndDeactivatedButNeverThoseThePostingRulesUse() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let chart = try await shop.get("accounts", as: [String: [AccountDocument]].self)["items"] ?? []
            let codes = chart.map(\.code)
            #expect(
                Array(codes.prefix(8)) == [
                    "1000", "1100", "1200", "1201", "1300", "1400", "1400/\(shop.mumbai)",
                    "1400/\(shop.bengaluru)",
                ])
            #expect(chart.first { $0.code == "1300" }?.control == "customer")
            #expect(chart.first { $0.code == "2100" }?.control == "vendor")
            #expect(chart.first { $0.code == "1400/\(shop.mumbai)" }?.warehouseId == Int64(shop.mumbai))

            let added = try LiveAPI.json(
                try await shop.post("accounts", NewAccount(code: "1202", name: "HDFC current", groupCode: "1200")))
            let id = try #require(added["id"] as? Int)
            #expect(added["type"] as? String == "asset" && added["groupCode"] as? String == "1200")
            // The new bank account takes payments.
            let duplicate = try await shop.post("accounts", NewAccount(code: "1202", name: "again", groupCode: "1200"))
            #expect(duplicate.status == .conflict)
            let underAccount = try await shop.post(
                "accounts", NewAccount(code: "1299", name: "petty", groupCode: "1100"))
            #expect(try LiveAPI.problem(underAccount).errors.map(\.message) == ["1100 is not an active group"])
            let badCode = try await shop.post("accounts", NewAccount(code: "x 1", name: "petty", groupCode: "1200"))
            #expect(try LiveAPI.problem(badCode).errors.map(\.field) == ["code"])

            try await shop.patch("accounts/\(id)", version: 1, AccountChanges(name: "HDFC current account"))
            let stale = try await http.execute(
                uri: "/api/v1/accounts/\(id)", method: .patch, headers: [.ifMatch: "1"],
                body: ByteBuffer(string: #"{"name": "again"}"#))
            #expect(stale.status == .preconditionFailed)
            try await shop.patch("accounts/\(id)", version: 2, AccountChanges(active: false))
            #expect(try await shop.get("accounts/\(id)")["active"] as? Bool == false)
            let cash = try await test.scalar("SELECT id FROM accounts WHERE code = '1100'", as: Int64.self)
            let needed = try await http.execute(
                uri: "/api/v1/accounts/\(cash)", method: .patch, headers: [.ifMatch: "1"],
                body: ByteBuffer(string: #"{"active": false}"#))
            #expect(needed.status == .unprocessableContent)
            #expect(
                try LiveAPI.problem(needed).errors.map(\.message) == [
                    "the posting rules post to this account: it stays active (rename it if you like)"
                ])
            #expect(
                try await test.scalar(
                    "SELECT count(*) FROM events WHERE type = 'account.updated'", as: Int64.self) == 2)
        }
    }
}
