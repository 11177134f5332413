// The company profile and customers over real HTTP on a real database: what each
// accepts, what it refuses (writing nothing), and the events they record.
import ERPHTTP
import ERPKernel
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Sales
import Testing
import Users

@Suite struct CustomerTests {
    static let licence =
        #"{"number": "MH-PZ3-123456", "form": "20C", "validFrom": "2024-04-01", "validUntil": "2099-03-31"}"#

    static let completeProfile = """
        {"legalName": "Sharma Homoeo Pharmacy", "addressLine1": "12 MG Road", "city": "Pune", "pincode": "411001",
         "gstin": "27AAPFU0939F1ZV", "stateCode": "27", "drugLicences": [\(licence)],
         "invoicePrefix": "INV/", "counterSalePrefix": "cs/", "creditNotePrefix": "CN/"}
        """

    static func put(_ http: JSONClient, _ body: String, version: String = "1") async throws -> TestResponse {
        try await http.execute(
            uri: "/api/v1/company", method: .put, headers: [.ifMatch: version], body: ByteBuffer(string: body))
    }

    @Test func aNewCompanySaysWhatInvoicingNeedsAndAFullProfileNeedsNothing() async throws {
        try await LiveAPI.with { test, http in
            let empty = try LiveAPI.json(try await http.execute(uri: "/api/v1/company", method: .get))
            #expect(empty["version"] as? Int == 1)
            #expect(
                empty["missingForInvoicing"] as? [String] == [
                    "legalName", "addressLine1", "city", "pincode", "stateCode", "gstin", "invoicePrefix",
                    "counterSalePrefix", "creditNotePrefix", "drugLicences",
                ])
            let set = try await Self.put(http, Self.completeProfile)
            #expect(set.status == .ok, "\(String(buffer: set.body))")
            let document = try LiveAPI.json(set)
            #expect(document["version"] as? Int == 2)
            #expect(document["missingForInvoicing"] as? [String] == [])
            #expect(document["counterSalePrefix"] as? String == "CS/")
            #expect(document["turnoverBand"] as? String == "up_to_5_crore")
            // The same profile again changes nothing and records nothing.
            #expect(try await Self.put(http, Self.completeProfile, version: "2").status == .ok)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM events WHERE type = 'company.updated'", as: Int.self) == 1)
            // A stale version is refused.
            #expect(try await Self.put(http, Self.completeProfile, version: "1").status == .preconditionFailed)
            // PUT replaces: a field left out is cleared, and so is one sent empty.
            let cleared = try LiveAPI.json(
                try await Self.put(http, #"{"legalName": "Sharma", "tradeName": " ", "city": ""}"#, version: "2"))
            #expect(cleared["tradeName"] == nil && cleared["city"] == nil)
            #expect((cleared["missingForInvoicing"] as? [String])?.contains("city") == true)
            #expect(cleared["gstin"] == nil || cleared["gstin"] is NSNull)
            #expect((cleared["missingForInvoicing"] as? [String])?.contains("gstin") == true)
        }
    }

    @Test func aBadProfileNamesEveryBadFieldAndChangesNothing() async throws {
        try await LiveAPI.with { test, http in
            let bad = try await Self.put(
                http,
                """
                {"gstin": "27AAPFU0939F1ZV", "stateCode": "29", "pincode": "011001", "phone": "call me",
                 "drugLicences": [{"number": "X", "form": "99", "validFrom": "2025-01-01", "validUntil": "2024-01-01"}],
                 "invoicePrefix": "0INV", "counterSalePrefix": "CN/", "creditNotePrefix": "cn/", "turnoverBand": "huge"}
                """)
            #expect(bad.status == .unprocessableContent, "\(String(buffer: bad.body))")
            let fields = Set(try LiveAPI.problem(bad).errors.map(\.field))
            for field in ["turnoverBand"] { #expect(fields.contains(field), "\(fields)") }
            let valid = try await Self.put(
                http,
                """
                {"gstin": "27AAPFU0939F1ZV", "stateCode": "29", "pincode": "011001", "phone": "call me",
                 "drugLicences": [{"number": "X", "form": "99", "validFrom": "2025-01-01", "validUntil": "2024-01-01"}],
                 "invoicePrefix": "0INV", "counterSalePrefix": "CN/", "creditNotePrefix": "cn/"}
                """)
            #expect(valid.status == .unprocessableContent)
            let named = Set(try LiveAPI.problem(valid).errors.map(\.field))
            #expect(
                named == [
                    "stateCode", "pincode", "phone", "drugLicences[0].form", "drugLicences[0].validUntil",
                    "invoicePrefix", "creditNotePrefix",
                ], "\(named)")
            #expect(try await test.scalar("SELECT version FROM company_profile", as: Int.self) == 1)
        }
    }

    @Test func customersAreCreatedReadListedSearchedAndChanged() async throws {
        try await LiveAPI.with { test, http in
            let shop = Shop(http: http)
            let gupta = try await shop.create(
                "customers",
                """
                {"name": "Gupta Medical Stores", "gstin": "29aagcb7383j1z4", "creditLimitPaise": 5000000,
                 "paymentTermsDays": 30, "minimumShelfLifeDays": 180,
                 "drugLicences": [{"number": "KA-20D-778", "form": "20D", "validFrom": "2025-01-01", "validUntil": "2029-12-31"}]}
                """)
            let walkIn = try await shop.create(
                "customers", #"{"name": "Asha Patil", "stateCode": "27", "phone": "+91 98220 12345"}"#)
            let one = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers/\(gupta)", method: .get))
            #expect(one["gstin"] as? String == "29AAGCB7383J1Z4")
            #expect(one["stateCode"] as? String == "29")
            #expect(one["creditLimitPaise"] as? Int == 5_000_000)
            #expect((one["drugLicences"] as? [[String: Any]])?.first?["form"] as? String == "20D")
            let found = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers?q=patil", method: .get))
            #expect((found["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [Int(walkIn)])
            let byPhone = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers?q=98220", method: .get))
            #expect((byPhone["items"] as? [[String: Any]])?.count == 1)
            let paged = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers?limit=1", method: .get))
            let cursor = try #require(paged["nextCursor"] as? String)
            let next = try LiveAPI.json(
                try await http.execute(uri: "/api/v1/customers?limit=1&cursor=\(cursor)", method: .get))
            #expect((next["items"] as? [[String: Any]])?.first?["id"] as? Int == Int(walkIn))

            try await shop.patch("customers/\(walkIn)", version: 1, CustomerChanges(phone: "", active: false))
            let changed = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers/\(walkIn)", method: .get))
            #expect(changed["active"] as? Bool == false && changed["phone"] is NSNull)
            let inactive = try LiveAPI.json(try await http.execute(uri: "/api/v1/customers?active=false", method: .get))
            #expect((inactive["items"] as? [[String: Any]])?.count == 1)
            #expect(
                try await test.scalar(
                    "SELECT string_agg(type, ',' ORDER BY position) FROM events WHERE aggregate_type = 'customer'",
                    as: String.self) == "customer.created,customer.created,customer.updated")
        }
    }

    @Test func badCustomersAreRefusedNamingTheFieldAndWriteNothing() async throws {
        try await LiveAPI.with { test, http in
            let shop = Shop(http: http)
            let cases: [(String, Set<String>)] = [
                (#"{"name": "No state"}"#, ["stateCode"]),
                (#"{"name": "Bad GSTIN", "gstin": "29AAGCB7383J1Z5"}"#, ["gstin"]),
                (#"{"name": "Wrong state", "gstin": "29AAGCB7383J1Z4", "stateCode": "27"}"#, ["stateCode"]),
                (#"{"name": "", "stateCode": "27", "creditLimitPaise": -1}"#, ["name", "creditLimitPaise"]),
                (#"{"name": "Far", "stateCode": "40", "paymentTermsDays": 400}"#, ["stateCode", "paymentTermsDays"]),
                (
                    #"{"name": "Twice", "stateCode": "27", "drugLicences": [\#(Self.licence), \#(Self.licence)]}"#,
                    ["drugLicences[1].number"]
                ),
            ]
            for (body, fields) in cases {
                let answer = try await http.execute(
                    uri: "/api/v1/customers", method: .post, body: ByteBuffer(string: body))
                #expect(answer.status == .unprocessableContent, "\(body): \(String(buffer: answer.body))")
                #expect(Set(try LiveAPI.problem(answer).errors.map(\.field)) == fields, "\(body)")
            }
            let first = try await shop.create("customers", #"{"name": "Gupta", "gstin": "29AAGCB7383J1Z4"}"#)
            let again = try await http.execute(
                uri: "/api/v1/customers", method: .post,
                body: ByteBuffer(string: #"{"name": "Gupta again", "gstin": "29AAGCB7383J1Z4"}"#))
            #expect(again.status == .conflict, "\(String(buffer: again.body))")
            // A registered customer's state is its GSTIN's.
            let moved = try await http.execute(
                uri: "/api/v1/customers/\(first)", method: .patch, headers: [.ifMatch: "1"],
                body: ByteBuffer(string: #"{"stateCode": "27"}"#))
            #expect(moved.status == .unprocessableContent)
            #expect(try await test.scalar("SELECT count(*)::integer FROM customers", as: Int.self) == 1)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM events WHERE aggregate_type = 'customer'", as: Int.self) == 1)
        }
    }

    @Test func onlySalesStaffKeepCustomersAndOnlyAccountantsTheProfile() async throws {
        try await LiveAPI.with { test, http in
            try await LiveAPI.createUser(test, email: "cashier@shop.test", roles: [.cashier])
            try await LiveAPI.createUser(test, email: "sales@shop.test", roles: [.sales])
            let cashier = try await LiveAPI.signIn(http.http, email: "cashier@shop.test")
            let sales = try await LiveAPI.signIn(http.http, email: "sales@shop.test")
            let body = ByteBuffer(string: #"{"name": "Walk-in", "stateCode": "27"}"#)
            #expect(
                try await http.signed(cashier).execute(uri: "/api/v1/customers", method: .post, body: body).status
                    == .forbidden)
            #expect(
                try await http.signed(sales).execute(uri: "/api/v1/customers", method: .post, body: body).status
                    == .created)
            let profile = try await http.signed(sales).execute(
                uri: "/api/v1/company", method: .put, headers: [.ifMatch: "1"], body: ByteBuffer(string: "{}"))
            #expect(profile.status == .forbidden)
            #expect(try LiveAPI.problem(profile).detail.contains("sales.company"))
        }
    }
}

@Suite struct CompanyCompletenessTests {
    @Test func invoicingIsRefusedNamingEachMissingFieldUntilTheProfileIsComplete() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                do {
                    _ = try await PartyCommands.completeCompany(on: connection, logger: test.logger)
                    Issue.record("an empty profile was taken as complete")
                } catch let error as CommandError {
                    #expect(error.code.rawValue == "invalid")
                    #expect(error.fieldErrors.map(\.field).contains("company.gstin"))
                    #expect(error.fieldErrors.count == 10)
                }
                try await connection.inTransaction(logger: test.logger) { transaction in
                    let context = CommandContext(actor: "test", requestID: "complete", logger: test.logger)
                    try await context.apply(to: transaction)
                    let profile = try JSONDecoder().decode(
                        CompanyProfile.self, from: Data(CustomerTests.completeProfile.utf8))
                    try await PartyCommands.setCompany(profile, version: 1, on: transaction, context: context)
                }
                let complete = try await PartyCommands.completeCompany(on: connection, logger: test.logger)
                #expect(complete.gstin == "27AAPFU0939F1ZV")
            }
        }
    }
}
