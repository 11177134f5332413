// The e-invoice of a known B2B invoice over real HTTP equals the checked-in golden file
// and passes the portal's offline checks; each check catches what it is for; a B2C
// invoice has none.
import ERPKernel
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Sales
import Testing

@Suite struct EInvoiceTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/e-invoice-b2b.json")

    /// Delivers 4 and 6 Arnica to Gupta (Karnataka) and invoices both, then pins what
    /// moves with the calendar: the invoice's date and number, the batch's expiry.
    static func knownInvoice(_ test: TestDatabase, _ shop: Shop) async throws -> Int {
        let customer = try await OrderTests.customer(shop)
        let order = try await OrderTests.order(shop, customer: customer, quantity: 10)
        #expect(try await shop.post("sales-orders/\(order)/confirm", "").status == .ok)
        var deliveries: [Int] = []
        for quantity in [4, 6] {
            deliveries.append(
                try await shop.create(
                    "deliveries",
                    #"{"salesOrderId": \#(order), "lines": [{"orderLine": 1, "quantity": \#(quantity), "batchNumber": "A-LATE"}]}"#
                ))
        }
        let invoice = try await shop.create("invoices", #"{"deliveryIds": \#(deliveries)}"#)
        try await test.execute(
            """
            UPDATE invoices SET invoice_date = '2026-11-20', financial_year = 2026, number = 'INV/26-27/000042'
             WHERE id = \(invoice)
            """)
        try await test.execute("UPDATE batches SET expires_on = '2028-06-30' WHERE batch_number = 'A-LATE'")
        return invoice
    }

    @Test func theEInvoiceOfAKnownInvoiceEqualsTheGoldenFileWithItsIRN() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let id = try await Self.knownInvoice(test, shop)
            let response = try await http.execute(uri: "/api/v1/invoices/\(id)/e-invoice", method: .get)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let text = String(buffer: response.body)
            let expected = try String(contentsOf: Self.golden, encoding: .utf8)
            if text != expected {
                try text.write(toFile: "/tmp/e-invoice-b2b.json", atomically: true, encoding: .utf8)
            }
            #expect(text == expected, "the e-invoice differs from Golden/e-invoice-b2b.json (written to /tmp)")
            let document = try EInvoice.decoder.decode(EInvoice.self, from: Data(text.utf8))
            #expect(document.problems.isEmpty, "\(document.problems)")
            #expect(
                response.headers[HTTPField.Name("IRN")!]
                    == InvoiceReferenceNumber.of(
                        supplierGSTIN: "27AAPFU0939F1ZV", financialYear: "2026-27", documentType: "INV",
                        number: "INV/26-27/000042"))
        }
    }

    @Test func aCounterSaleHasNoEInvoice() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let id = try await shop.create(
                "counter-sales",
                CounterSaleTests.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 1}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 9500}]"#))
            let response = try await http.execute(uri: "/api/v1/invoices/\(id)/e-invoice", method: .get)
            #expect(response.status == .notFound)
            #expect(try LiveAPI.problem(response).detail.contains("B2B supplies only"))
        }
    }

    /// Each offline check finds the fault it is for in an otherwise good document.
    @Test func theOfflineChecksCatchWhatThePortalRefuses() throws {
        let good = try EInvoice.decoder.decode(EInvoice.self, from: Data(contentsOf: Self.golden))
        #expect(good.problems.isEmpty)
        let faults: [(String, (inout EInvoice) -> Void)] = [
            ("2193", { $0.itemList[0].assAmt += 1 }),
            ("2182", { $0.valDtls.assVal += 1 }),
            ("IgstVal", { $0.valDtls.igstVal += Decimal(string: "0.01") ?? 0 }),
            ("2189", { $0.valDtls.totInvVal += 2 }),
            ("±99.99", { $0.valDtls.rndOffAmt = 100 }),
            ("2172", { $0.buyerDtls.pos = "27" }),
            ("20 characters", { $0.itemList[1].bchDtls.nm = "A-VERY-LONG-BATCH-NUMBER" }),
            ("\" or \\", { $0.buyerDtls.lglNm = #"Gupta "Medical""# }),
            ("\" or \\", { $0.itemList[0].prdDesc = #"Arnica \ 30C"# }),
            ("6 or 8", { $0.itemList[0].hsnCd = "3004" }),
            ("16 characters", { $0.docDtls.no = "INV/2026-27/00000042" }),
            ("PIN", { $0.buyerDtls.pin = nil }),
        ]
        for (expected, fault) in faults {
            var document = good
            fault(&document)
            let problems = document.problems
            #expect(
                problems.contains { $0.contains(expected) },
                "\(expected): \(problems)")
        }
    }
}
