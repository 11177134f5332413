// Credit notes over real HTTP on a real database: tax reversed at the invoice's rates,
// returned goods back into their batch at the cost they left with or written off, never
// more credited than invoiced, their own series, and refused after the deadline.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Sales
import Testing

@Suite struct CreditNoteTests {
    /// The counter sale of 12 Arnica at ₹95: line 1 is 10 of A-SOON (taxable 90476,
    /// CGST 2262, SGST 2262, cost 40000), line 2 is 2 of A-LATE (18095, 453, 452, 8000).
    static func sale(_ shop: Shop) async throws -> Int {
        try await shop.create(
            "counter-sales",
            CounterSaleTests.sale(
                shop, #"[{"productId": \#(shop.arnica), "quantity": 12}]"#,
                payments: #"[{"mode": "cash", "amountPaise": 114000}]"#))
    }

    static func note(_ invoice: Int, _ reason: String, _ lines: String) -> String {
        #"{"invoiceId": \#(invoice), "reason": "\#(reason)", "note": "returned at the counter", "lines": \#(lines)}"#
    }

    @Test func returnsComeBackAtTheirCostAndTaxIsReversedAtTheInvoicesRates() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let invoice = try await Self.sale(shop)
            // 3 of 10: taxable 90476 × 3/10 = 27142.8 → 27143; CGST 2262 × 3/10 = 678.6 → 679,
            // SGST 679; 28501 paise rounds to ₹285 (round-off −1). Cost 40000 × 3/10 = 12000.
            let first = try await shop.post(
                "credit-notes", Self.note(invoice, "return", #"[{"invoiceLine": 1, "quantity": 3}]"#))
            #expect(first.status == .created, "\(String(buffer: first.body))")
            let note = try LiveAPI.json(first)
            let today = try CalendarDate(try await test.scalar("SELECT business_date()::text", as: String.self))
            let series = "CN/" + FinancialYear(containing: today).shortLabel + "/"
            #expect(note["number"] as? String == series + "0000001")
            #expect(note["invoiceNumber"] as? String == (try await CounterSaleTests.series(test)) + "0000001")
            #expect(note["invoiceDate"] as? String == today.description)
            #expect(note["taxable"] as? Int == 27_143 && note["cgst"] as? Int == 679 && note["sgst"] as? Int == 679)
            #expect(note["roundOff"] as? Int == -1 && note["total"] as? Int == 28_500)
            let lines = try #require(note["lines"] as? [[String: Any]])
            #expect(lines.first?["disposition"] as? String == "restock" && lines.first?["cost"] as? Int == 12_000)
            #expect((note["movements"] as? [[String: Any]])?.map { $0["value"] as? Int } == [12_000])
            #expect(try await CounterSaleTests.onHand(test) == "A-LATE=8,A-SOON=3")

            // The other 7 credit exactly what is left of the line.
            let rest = try LiveAPI.json(
                try await shop.post(
                    "credit-notes", Self.note(invoice, "return", #"[{"invoiceLine": 1, "quantity": 7}]"#)))
            #expect(rest["number"] as? String == series + "0000002")
            #expect(rest["taxable"] as? Int == 90_476 - 27_143 && rest["cgst"] as? Int == 2_262 - 679)
            // Nothing more of line 1; line 2's taxable is ₹180.95, so ₹200 off it is too much.
            let over = try await shop.post(
                "credit-notes", Self.note(invoice, "return", #"[{"invoiceLine": 1, "quantity": 1}]"#))
            #expect(over.status == .unprocessableContent)
            #expect(try LiveAPI.problem(over).errors.first?.message.contains("at most 0 more") == true)
            let tooMuch = try await shop.post(
                "credit-notes", Self.note(invoice, "price_reduction", #"[{"invoiceLine": 2, "taxablePaise": 20000}]"#))
            #expect(tooMuch.status == .unprocessableContent)
            // ₹20 off line 2 at its 5 %: CGST 50, SGST 50.
            let reduced = try LiveAPI.json(
                try await shop.post(
                    "credit-notes",
                    Self.note(invoice, "price_reduction", #"[{"invoiceLine": 2, "taxablePaise": 2000}]"#)))
            #expect(reduced["total"] as? Int == 2_100 && reduced["cgst"] as? Int == 50)
            #expect((reduced["movements"] as? [Any])?.isEmpty == true)
            // A damaged unit is written off: no stock comes back.
            let damaged = try LiveAPI.json(
                try await shop.post(
                    "credit-notes",
                    Self.note(invoice, "return", #"[{"invoiceLine": 2, "quantity": 1, "writeOff": true}]"#)))
            #expect((damaged["lines"] as? [[String: Any]])?.first?["disposition"] as? String == "write_off")
            #expect((damaged["movements"] as? [Any])?.isEmpty == true)
            #expect(try await CounterSaleTests.onHand(test) == "A-LATE=8,A-SOON=10")

            try await OrderTests.invariantsHold(test)
            let register = try await shop.get("reports/sales-register")
            let rows = try #require(register["rows"] as? [[String: Any]])
            #expect(rows.filter { $0["documentType"] as? String == "credit_note" }.count == 4)
            #expect(
                rows.contains { $0["documentType"] as? String == "credit_note" && $0["totalPaise"] as? Int == -28_500 })
            #expect(register["totalPaise"] as? Int == rows.reduce(0) { $0 + ($1["totalPaise"] as? Int ?? 0) })
        }
    }

    @Test func anExpiredBatchIsWrittenOffNotRestockedAndALateCreditNoteIsRefused() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let invoice = try await Self.sale(shop)
            try await test.execute("UPDATE batches SET expires_on = business_date() - 1 WHERE batch_number = 'A-SOON'")
            let expired = try await shop.post(
                "credit-notes", Self.note(invoice, "return", #"[{"invoiceLine": 1, "quantity": 1}]"#))
            #expect(expired.status == .unprocessableContent)
            #expect(try LiveAPI.problem(expired).errors.first?.field == "lines[0].writeOff")

            // An invoice of two financial years ago is past its 30 November.
            let today = try CalendarDate(try await test.scalar("SELECT business_date()::text", as: String.self))
            let old = FinancialYear(startYear: FinancialYear(containing: today).startYear - 2)
            try await test.execute(
                "UPDATE invoices SET invoice_date = '\(old.firstDay)' WHERE id = \(invoice)")
            let late = try await shop.post(
                "credit-notes",
                Self.note(invoice, "return", #"[{"invoiceLine": 2, "quantity": 1}]"#))
            #expect(late.status == .unprocessableContent)
            let detail = try LiveAPI.problem(late).detail
            #expect(detail.contains("had to be issued by \(old.creditNoteDeadline)"), "\(detail)")
            #expect(try await test.scalar("SELECT count(*)::integer FROM credit_notes", as: Int.self) == 0)
            #expect(
                try await test.scalar(
                    "SELECT count(*)::integer FROM document_series WHERE series = 'credit_note'", as: Int.self) == 0)
        }
    }

    @Test func theDeadlineIsThe30NovemberAfterTheYear() throws {
        #expect(FinancialYear(startYear: 2025).creditNoteDeadline.description == "2026-11-30")
        #expect(
            FinancialYear(containing: try CalendarDate("2026-03-31")).creditNoteDeadline.description == "2026-11-30")
        #expect(
            FinancialYear(containing: try CalendarDate("2026-04-01")).creditNoteDeadline.description == "2027-11-30")
    }
}
