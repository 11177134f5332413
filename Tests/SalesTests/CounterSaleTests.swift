// Counter sales over real HTTP on a real database: FEFO batches, MRP-inclusive tax,
// payments, the invoice and its number, the stock out at cost; and every refusal
// writes nothing.
import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPPlatform
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

@Suite struct CounterSaleTests {
    /// A shop with the complete profile (Maharashtra) and 10 units each of Arnica batches
    /// A-SOON (60 days left) and A-LATE (400 days left) in Mumbai, bought at ₹40, MRP ₹95.
    static func openShop(_ http: JSONClient) async throws -> Shop {
        let shop = try await Shop.open(http)
        let profile = try await http.execute(
            uri: "/api/v1/company", method: .put, headers: [.ifMatch: "1"],
            body: ByteBuffer(string: CustomerTests.completeProfile))
        #expect(profile.status == .ok, "\(String(buffer: profile.body))")
        let order = try await shop.approvedOrder(
            vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 20, 4_000)])
        try await shop.create(
            "goods-receipts",
            Shop.receipt(
                order: order,
                [(1, 10, "A-LATE", Shop.date(daysFromToday: 400)), (1, 10, "A-SOON", Shop.date(daysFromToday: 60))]))
        return shop
    }

    static func sale(_ shop: Shop, _ lines: String, payments: String, extra: String = "") -> String {
        #"{"warehouseId": \#(shop.mumbai), "lines": \#(lines), "payments": \#(payments)\#(extra)}"#
    }

    /// The counter sale numbers' head this financial year: `CS/26-27/`.
    static func series(_ test: TestDatabase) async throws -> String {
        let today = try CalendarDate(try await test.scalar("SELECT business_date()::text", as: String.self))
        return "CS/" + FinancialYear(containing: today).shortLabel + "/"
    }

    static func onHand(_ test: TestDatabase) async throws -> String {
        try await test.scalar(
            """
            SELECT string_agg(b.batch_number || '=' || s.quantity, ',' ORDER BY b.batch_number)
              FROM stock_on_hand s JOIN batches b ON b.id = s.batch_id
            """, as: String.self)
    }

    @Test func aCounterSaleTakesTheEarliestExpiringBatchesAndIssuesATaxInvoice() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.openShop(http)
            // 12 at the MRP of ₹95 with 5 % in it: 10 from A-SOON, 2 from A-LATE.
            // 10 × ₹95 = ₹950 ÷ 1.05 = 90476.19 → 90476, tax 4524 = 2262 + 2262;
            // 2 × ₹95 = ₹190 ÷ 1.05 = 18095.24 → 18095, tax 905 = 453 + 452. Total ₹1,140.
            let response = try await shop.post(
                "counter-sales",
                Self.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 12}]"#,
                    payments:
                        #"[{"mode": "cash", "amountPaise": 60000}, {"mode": "upi", "amountPaise": 54000, "reference": "UPI-4471"}]"#,
                    extra: #", "customerName": "Asha Patil", "customerAddress": "7 Lake Road, Pune""#))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let invoice = try LiveAPI.json(response)
            let series = try await Self.series(test)
            #expect(invoice["number"] as? String == series + "0000001")
            #expect(invoice["kind"] as? String == "counter_sale")
            #expect(invoice["placeOfSupply"] as? String == "27")
            let lines = try #require(invoice["lines"] as? [[String: Any]])
            #expect(lines.map { $0["batchNumber"] as? String } == ["A-SOON", "A-LATE"])
            #expect(lines.map { $0["taxable"] as? Int } == [90_476, 18_095])
            #expect(lines.map { $0["cgst"] as? Int } == [2_262, 453])
            #expect(lines.map { $0["sgst"] as? Int } == [2_262, 452])
            #expect(lines.map { $0["igst"] as? Int } == [0, 0])
            #expect(lines.map { $0["cost"] as? Int } == [40_000, 8_000])
            #expect(lines.first?["hsnCode"] as? String == "30049014")
            #expect(lines.first?["description"] as? String == "Arnica Montana 30C, 30 ml")
            #expect(invoice["taxable"] as? Int == 108_571 && invoice["cgst"] as? Int == 2_715)
            #expect(invoice["sgst"] as? Int == 2_714 && invoice["total"] as? Int == 114_000)
            #expect(invoice["roundOff"] as? Int == 0)
            #expect((invoice["supplier"] as? [String: Any])?["gstin"] as? String == "27AAPFU0939F1ZV")
            #expect((invoice["payments"] as? [[String: Any]])?.map { $0["mode"] as? String } == ["cash", "upi"])
            let movements = try #require(invoice["movements"] as? [[String: Any]])
            #expect(movements.map { $0["quantity"] as? Int } == [-10, -2])
            #expect(movements.map { $0["value"] as? Int } == [-40_000, -8_000])
            #expect(try await Self.onHand(test) == "A-LATE=8,A-SOON=0")

            // The same invoice is there to read, and the stock read model took the sale.
            let id = try #require(invoice["id"] as? Int)
            let read = try LiveAPI.json(try await http.execute(uri: "/api/v1/invoices/\(id)", method: .get))
            #expect(read["number"] as? String == series + "0000001")
            try await LiveAPI.catchUpProjections(test)
            let findings = try await test.withConnection {
                try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
            }
            let broken = findings.filter { !$0.holds }
            #expect(broken.isEmpty, "\(broken)")
            let level = try await shop.get("stock-levels/\(shop.arnica)")
            #expect(level["onHand"] as? Int == 8 && level["value"] as? Int == 32_000)

            // The next sale is the next number; a batch named is honoured.
            let second = try LiveAPI.json(
                try await shop.post(
                    "counter-sales",
                    Self.sale(
                        shop,
                        #"[{"productId": \#(shop.arnica), "quantity": 1, "batchNumber": "A-LATE", "unitPrice": 9000}]"#,
                        payments: #"[{"mode": "card", "amountPaise": 9000, "reference": "SLIP 22"}]"#)))
            #expect(second["number"] as? String == series + "0000002")
            #expect((second["lines"] as? [[String: Any]])?.first?["unitPrice"] as? Int == 9_000)
        }
    }

    /// The invoice is numbered at the commit, and the API answers with it read afterwards:
    /// a retry with the same Idempotency-Key gets the same numbered invoice, and
    /// invoice.issued carries the number too.
    @Test func aRetriedSaleAnswersTheSameNumberedInvoiceAndAUsedUpYearIsRefused() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.openShop(http)
            let series = try await Self.series(test)
            let body = Self.sale(
                shop, #"[{"productId": \#(shop.arnica), "quantity": 1}]"#,
                payments: #"[{"mode": "cash", "amountPaise": 9500}]"#)
            let first = try await shop.post("counter-sales", body, key: "till-1-0001")
            #expect(first.status == .created, "\(String(buffer: first.body))")
            let again = try await shop.post("counter-sales", body, key: "till-1-0001")
            #expect(again.status == .created)
            #expect(String(buffer: again.body) == String(buffer: first.body))
            let invoice = try LiveAPI.json(first)
            #expect(invoice["number"] as? String == series + "0000001")
            #expect(try await test.scalar("SELECT count(*) FROM invoices", as: Int64.self) == 1)
            let issued = try await test.scalar(
                "SELECT string_agg(payload ->> 'number', ',') FROM events WHERE type = 'invoice.issued'",
                as: String.self)
            #expect(issued == series + "0000001")

            // CS/26-27/ leaves 7 digits: after 9999999 the year is used up, refused before anything is written.
            try await test.execute(
                "UPDATE document_series SET last_number = 9999999 WHERE series = 'counter_sale'")
            let refused = try await shop.post("counter-sales", body)
            #expect(refused.status == .conflict, "\(String(buffer: refused.body))")
            #expect(String(buffer: refused.body).contains("has used every number"))
            #expect(try await test.scalar("SELECT count(*) FROM invoices", as: Int64.self) == 1)
            #expect(try await Self.onHand(test) == "A-LATE=10,A-SOON=9")
        }
    }

    @Test func anExpiredBatchIsNeverSold() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.openShop(http)
            try await test.execute("UPDATE batches SET expires_on = business_date() - 1 WHERE batch_number = 'A-SOON'")
            // FEFO passes over it…
            let sold = try LiveAPI.json(
                try await shop.post(
                    "counter-sales",
                    Self.sale(
                        shop, #"[{"productId": \#(shop.arnica), "quantity": 3}]"#,
                        payments: #"[{"mode": "cash", "amountPaise": 28500}]"#)))
            #expect((sold["lines"] as? [[String: Any]])?.map { $0["batchNumber"] as? String } == ["A-LATE"])
            // …and naming it is refused, as is asking for more than the unexpired stock.
            let named = try await shop.post(
                "counter-sales",
                Self.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 1, "batchNumber": "A-SOON"}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 9500}]"#))
            #expect(named.status == .unprocessableContent)
            #expect(try LiveAPI.problem(named).errors.first?.message.contains("expired") == true)
            let more = try await shop.post(
                "counter-sales",
                Self.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 8}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 76000}]"#))
            #expect(more.status == .conflict, "\(String(buffer: more.body))")
            #expect(try await Self.onHand(test) == "A-LATE=7,A-SOON=10")
        }
    }

    @Test func refusedSalesNameTheirCauseAndWriteNothing() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.openShop(http)
            let arnica = #"[{"productId": \#(shop.arnica), "quantity": 1"#
            let cases: [(String, HTTPResponse.Status, String)] = [
                (
                    Self.sale(
                        shop, arnica + #", "unitPrice": 9600}]"#, payments: #"[{"mode": "cash", "amountPaise": 9600}]"#),
                    .unprocessableContent, "lines[0].unitPrice"
                ),
                (
                    Self.sale(shop, arnica + "}]", payments: #"[{"mode": "cash", "amountPaise": 9000}]"#),
                    .unprocessableContent, "payments"
                ),
                (
                    Self.sale(shop, arnica + "}]", payments: #"[{"mode": "upi", "amountPaise": 9500}]"#),
                    .unprocessableContent, "payments[0].reference"
                ),
                (
                    Self.sale(
                        shop, arnica + #", "discountPaise": 9600}]"#, payments: #"[{"mode": "cash", "amountPaise": 1}]"#
                    ),
                    .unprocessableContent, "lines[0].discountPaise"
                ),
                (
                    Self.sale(
                        shop, #"[{"productId": 999, "quantity": 1}]"#,
                        payments: #"[{"mode": "cash", "amountPaise": 1}]"#),
                    .unprocessableContent, "lines[0].productId"
                ),
                (
                    Self.sale(
                        shop, #"[{"productId": \#(shop.belladonna), "quantity": 1}]"#,
                        payments: #"[{"mode": "cash", "amountPaise": 9500}]"#),
                    .conflict, "lines[0].quantity"
                ),
            ]
            for (body, status, field) in cases {
                let answer = try await shop.post("counter-sales", body)
                #expect(answer.status == status, "\(body): \(String(buffer: answer.body))")
                #expect(
                    try LiveAPI.problem(answer).errors.map(\.field).contains(field),
                    "\(body): \(String(buffer: answer.body))")
            }
            // The company's drug licence must be in force on the day.
            try await test.execute(
                """
                UPDATE company_profile SET drug_licences = jsonb_set(drug_licences, '{0,validUntil}', to_jsonb((business_date() - 1)::text))
                """)
            let lapsed = try await shop.post(
                "counter-sales", Self.sale(shop, arnica + "}]", payments: #"[{"mode": "cash", "amountPaise": 9500}]"#))
            #expect(lapsed.status == .unprocessableContent)
            #expect(try LiveAPI.problem(lapsed).errors.map(\.field) == ["company.drugLicences"])
            try await test.execute(
                "UPDATE company_profile SET drug_licences = jsonb_set(drug_licences, '{0,validUntil}', '\"2099-03-31\"')"
            )
            // From ₹50,000 of taxable value an unregistered buyer's name and address are required:
            // 11 at an MRP of ₹5,000 is ₹52,381 taxable.
            try await test.execute("UPDATE batches SET mrp_paise = 500000")
            let large = try await shop.post(
                "counter-sales",
                Self.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 11}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 5500000}]"#))
            #expect(large.status == .unprocessableContent, "\(String(buffer: large.body))")
            #expect(Set(try LiveAPI.problem(large).errors.map(\.field)) == ["customerName", "customerAddress"])
            #expect(try await test.scalar("SELECT count(*)::integer FROM invoices", as: Int.self) == 0)
            #expect(try await test.scalar("SELECT count(*)::integer FROM document_series", as: Int.self) == 0)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM events WHERE type = 'invoice.issued'", as: Int.self) == 0)
            #expect(try await Self.onHand(test) == "A-LATE=10,A-SOON=10")
        }
    }

    @Test func nothingIsSoldUntilTheProfileIsCompleteAndACashierMaySellButNotRead() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let body = Self.sale(
                shop, #"[{"productId": \#(shop.arnica), "quantity": 1}]"#,
                payments: #"[{"mode": "cash", "amountPaise": 9500}]"#)
            let early = try await shop.post("counter-sales", body)
            #expect(early.status == .unprocessableContent)
            #expect(try LiveAPI.problem(early).errors.map(\.field).contains("company.gstin"))

            try await LiveAPI.createUser(test, email: "counter@shop.test", roles: [.cashier])
            let cashier = try await LiveAPI.signIn(http.http, email: "counter@shop.test")
            let sale = try await http.signed(cashier).execute(
                uri: "/api/v1/counter-sales", method: .post, body: ByteBuffer(string: body))
            #expect(sale.status == .unprocessableContent, "a cashier reaches the command: \(String(buffer: sale.body))")
            let read = try await http.signed(cashier).execute(uri: "/api/v1/invoices", method: .get)
            #expect(read.status == .forbidden)
            let products = try await http.signed(cashier).execute(uri: "/api/v1/customers", method: .get)
            #expect(products.status == .forbidden)
        }
    }
}

@Suite struct ConcurrentCounterSaleTests {
    @Test func fifteenConcurrentSalesOfOneAllSellAcrossTheBatchesInFEFOOrder() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let sale = CounterSale(
                warehouseId: Int64(shop.mumbai), lines: [CounterSaleLine(productId: Int64(shop.arnica), quantity: 1)],
                payments: [CounterPayment(mode: "cash", amountPaise: 9_500)])
            let numbers = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<15 {
                    group.addTask {
                        try await test.withConnection { connection in
                            try await connection.inTransaction(logger: test.logger) { transaction in
                                let context = CommandContext(
                                    actor: "test", requestID: "sale-\(index)", logger: test.logger)
                                try await context.apply(to: transaction)
                                return try await CounterSaleCommand.post(sale, on: transaction, context: context)
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(numbers.count == 15)
            // The ten of A-SOON went first; five came from A-LATE; the numbers have no gap.
            #expect(try await CounterSaleTests.onHand(test) == "A-LATE=5,A-SOON=0")
            let issued = try await test.scalar(
                "SELECT string_agg(number, ',' ORDER BY number) FROM invoices", as: String.self)
            let series = try await CounterSaleTests.series(test)
            #expect(issued == (1...15).map { series + String(format: "%07d", $0) }.joined(separator: ","))
        }
    }
}

@Suite struct SalesRegisterTests {
    @Test func theRegisterListsEachInvoiceAsJSONOrCSVAndAReplayEqualsIt() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            for (quantity, name) in [(2, "Asha, \"Patil\""), (1, "=HYPERLINK()")] {
                let sale = try await shop.post(
                    "counter-sales",
                    CounterSaleTests.sale(
                        shop, #"[{"productId": \#(shop.arnica), "quantity": \#(quantity)}]"#,
                        payments: #"[{"mode": "cash", "amountPaise": \#(9_500 * quantity)}]"#,
                        extra: #", "customerName": "\#(name.replacingOccurrences(of: "\"", with: "\\\""))""#))
                #expect(sale.status == .created, "\(String(buffer: sale.body))")
            }
            try await LiveAPI.catchUpProjections(test)
            let today = try await test.scalar("SELECT business_date()::text", as: String.self)
            let path = "/api/v1/reports/sales-register?from=\(today)&to=\(today)"
            let register = try LiveAPI.json(try await http.execute(uri: path, method: .get))
            let rows = try #require(register["rows"] as? [[String: Any]])
            #expect(rows.map { $0["totalPaise"] as? Int } == [19_000, 9_500])
            #expect(rows.map { $0["customerName"] as? String } == ["Asha, \"Patil\"", "=HYPERLINK()"])
            #expect(register["totalPaise"] as? Int == 28_500)
            // ₹190 ÷ 1.05 = 18095, ₹95 ÷ 1.05 = 9048: 27143 taxable.
            #expect(register["taxablePaise"] as? Int == 27_143)

            let csv = try await http.execute(uri: path, method: .get, headers: [.accept: "text/csv"])
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: csv.body).split(separator: "\r\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines.first?.hasPrefix("date,document_type,number,customer_name") == true)
            #expect(lines[1].contains(#","Asha, ""Patil""","#), "\(lines[1])")
            #expect(lines[2].contains(",'=HYPERLINK(),"), "a formula is not left for a spreadsheet: \(lines[2])")

            let bad = try await http.execute(
                uri: "/api/v1/reports/sales-register?from=2026-13-01&to=soon", method: .get)
            #expect(bad.status == .badRequest)
            #expect(Set(try LiveAPI.problem(bad).errors.map(\.field)) == ["from", "to"])
            // Without dates: this financial year to date.
            let yearToDate = try LiveAPI.json(
                try await http.execute(uri: "/api/v1/reports/sales-register", method: .get))
            #expect((yearToDate["rows"] as? [[String: Any]])?.count == 2)
            #expect(yearToDate["to"] as? String == today)
            let backwards = try await http.execute(
                uri: "/api/v1/reports/sales-register?from=2026-12-02&to=2026-12-01", method: .get)
            #expect(try LiveAPI.problem(backwards).errors.map(\.field) == ["to"])

            let live = try await test.scalar(
                "SELECT jsonb_agg(to_jsonb(r) ORDER BY document_id)::text FROM sales_register r", as: String.self)
            let outcome = try await Fixtures.replay(test, SalesRegisterProjector())
            #expect(outcome.mode == "swapped")
            #expect(
                try await test.scalar(
                    "SELECT jsonb_agg(to_jsonb(r) ORDER BY document_id)::text FROM sales_register r", as: String.self)
                    == live)
        }
    }
}

@Suite struct InvoicePrintTests {
    @Test func anInvoicePrintsWhatRule46AsksInBothLayoutsWithEveryTextEscaped() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let sale = try await shop.post(
                "counter-sales",
                CounterSaleTests.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 12}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 114000}]"#,
                    extra: #", "customerName": "<script>alert(1)</script>", "customerAddress": "7 Lake Road, Pune""#))
            #expect(sale.status == .created, "\(String(buffer: sale.body))")
            let id = try #require(try LiveAPI.json(sale)["id"] as? Int)
            let series = try await CounterSaleTests.series(test)

            let page = try await http.execute(
                uri: "/api/v1/invoices/\(id)", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            for expected in [
                series + "0000001", "ORIGINAL FOR RECIPIENT", "DUPLICATE FOR TRANSPORTER", "TRIPLICATE FOR SUPPLIER",
                "Sharma Homoeo Pharmacy", "GSTIN: 27AAPFU0939F1ZV", "MH-PZ3-123456 (20C)", "Maharashtra (27)",
                "Reverse charge: No", "30049014", "A-SOON", "A-LATE", "Arnica Montana 30C, 30 ml", "2.5% 22.62",
                "10 NOS",
                "1,140.00", "Rupees One Thousand One Hundred Forty Only", "Authorised signatory",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ] {
                #expect(html.contains(expected), "the A4 page lacks \(expected)")
            }
            #expect(!html.contains("<script>"), "a buyer's name is escaped")

            let receipt = String(
                buffer: try await http.execute(
                    uri: "/api/v1/invoices/\(id)?layout=receipt", method: .get, headers: [.accept: "text/html"]
                ).body)
            #expect(receipt.contains("80mm") && receipt.contains("TOTAL ₹ 1,140.00"))
            #expect(!receipt.contains("DUPLICATE FOR TRANSPORTER"))
            let bad = try await http.execute(
                uri: "/api/v1/invoices/\(id)?layout=letter", method: .get, headers: [.accept: "text/html"])
            #expect(bad.status == .badRequest)
            // Without Accept: text/html it is the JSON document.
            let json = try await http.execute(uri: "/api/v1/invoices/\(id)", method: .get)
            #expect(try LiveAPI.json(json)["number"] as? String == series + "0000001")
        }
    }
}
