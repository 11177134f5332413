// GSTR-1 and GSTR-3B of a known month over real HTTP: the JSON equals the checked-in
// golden file, and every section's totals agree to the paisa with the HSN summary, the
// sales register and GSTR-3B.
import ERPKernel
import ERPTestSupport
import Finance
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Purchasing
import Sales
import Testing

@Suite struct GSTReturnTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/gstr-1-2026-11.json")

    /// November 2026 of the Pune pharmacy: counter sales in Maharashtra and to a Karnataka
    /// address, one large inter-state counter sale (B2CL), a B2B invoice to Bengaluru, a
    /// credit note on each of the B2B invoice and a counter sale. Dates and numbers are
    /// pinned to the month, so the file does not move with the calendar.
    static func knownMonth(_ test: TestDatabase, _ http: JSONClient) async throws -> Shop {
        let (shop, customer, invoice) = try await PaymentAndJournalTests.invoicedCustomer(http)
        // Two packs of a costly remedy kit, MRP ₹60,000 each.
        let order = try await shop.approvedOrder(
            vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.belladonna, 2, 3_000_000)])
        try await shop.create(
            "goods-receipts",
            NewGoodsReceipt(
                purchaseOrderId: Int64(order),
                lines: [
                    .init(
                        orderLineNumber: 1, quantity: 2, batchNumber: "KIT-1",
                        expiresOn: try CalendarDate(Shop.date(daysFromToday: 700)), mrp: 6_000_000)
                ]))
        func sale(_ product: Int, _ quantity: Int, _ paid: Int, _ extra: String = "") async throws -> Int {
            try await shop.create(
                "counter-sales",
                #"{"warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(product), "quantity": \#(quantity)}], "payments": [{"mode": "cash", "amountPaise": \#(paid)}]\#(extra)}"#
            )
        }
        let local = try await sale(shop.arnica, 2, 19_000)
        _ = try await sale(shop.arnica, 1, 9_500, #", "deliveryStateCode": "29""#)
        _ = try await sale(
            shop.belladonna, 2, 12_000_000,
            #", "deliveryStateCode": "29", "customerName": "Dr. Rao's Clinic", "customerAddress": "9 MG Road, Bengaluru""#
        )
        try await shop.create(
            "credit-notes",
            NewCreditNote(
                invoiceId: Int64(invoice), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)]))
        try await shop.create(
            "credit-notes",
            NewCreditNote(
                invoiceId: Int64(local), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)]))
        _ = customer
        try await test.execute(
            """
            UPDATE invoices SET invoice_date = '2026-11-20', financial_year = 2026,
                   number = regexp_replace(number, '[0-9]{2}-[0-9]{2}', '26-27')
            """)
        try await test.execute(
            """
            UPDATE credit_notes SET note_date = '2026-11-25', financial_year = 2026,
                   number = regexp_replace(number, '[0-9]{2}-[0-9]{2}', '26-27')
            """)
        try await test.execute("UPDATE vendor_bills SET bill_date = '2026-11-10'")
        return shop
    }

    @Test func theGSTR1OfAKnownMonthEqualsTheGoldenFile() async throws {
        try await LiveAPI.with { test, http in
            _ = try await Self.knownMonth(test, http)
            let response = try await http.execute(uri: "/api/v1/reports/gstr-1?month=2026-11", method: .get)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let value = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
            let text =
                String(
                    decoding: try JSONSerialization.data(
                        withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                    as: UTF8.self) + "\n"
            let expected = (try? String(contentsOf: Self.golden, encoding: .utf8)) ?? ""
            if text != expected {
                try text.write(toFile: "/tmp/gstr-1-2026-11.json", atomically: true, encoding: .utf8)
            }
            #expect(text == expected, "GSTR-1 differs from Golden/gstr-1-2026-11.json (written to /tmp)")
            let empty = try await http.execute(uri: "/api/v1/reports/gstr-1?month=2026-10", method: .get)
            let october = try JSONDecoder().decode(GSTR1.self, from: Data(buffer: empty.body))
            #expect(october.b2b.isEmpty && october.b2cs.isEmpty && october.doc_issue.doc_det.isEmpty)
            let bad = try await http.execute(uri: "/api/v1/reports/gstr-1?month=2026-13", method: .get)
            #expect(bad.status == .badRequest || bad.status == .unprocessableContent)
        }
    }

    @Test func everySectionsTotalsAgreeWithTheHSNSummaryTheRegisterAndGSTR3B() async throws {
        try await LiveAPI.with { test, http in
            _ = try await Self.knownMonth(test, http)
            let shop = Shop(http: http)
            let gstr1 = try await shop.get("reports/gstr-1?month=2026-11", as: GSTR1.self)
            func sum(_ details: [GSTR1.ItemDetail], _ key: KeyPath<GSTR1.ItemDetail, Rupees?>) -> Int64 {
                details.reduce(0) { $0 + ($1[keyPath: key]?.paise ?? 0) }
            }
            let invoiceItems =
                gstr1.b2b.flatMap { $0.inv.flatMap { $0.itms.map(\.itm_det) } }
                + gstr1.b2cl.flatMap { $0.inv.flatMap { $0.itms.map(\.itm_det) } }
            let noteItems =
                gstr1.cdnr.flatMap { $0.nt.flatMap { $0.itms.map(\.itm_det) } }
                + gstr1.cdnur.flatMap { $0.itms.map(\.itm_det) }
            let hsn = gstr1.hsn.hsn_b2b + gstr1.hsn.hsn_b2c
            let taxable =
                invoiceItems.reduce(0) { $0 + $1.txval.paise } + gstr1.b2cs.reduce(0) { $0 + $1.txval.paise }
                - noteItems.reduce(0) { $0 + $1.txval.paise }
            let igst =
                invoiceItems.reduce(0) { $0 + $1.iamt.paise } + gstr1.b2cs.reduce(0) { $0 + $1.iamt.paise }
                - noteItems.reduce(0) { $0 + $1.iamt.paise }
            let cgst = sum(invoiceItems, \.camt) + gstr1.b2cs.reduce(0) { $0 + $1.camt.paise } - sum(noteItems, \.camt)
            #expect(taxable == hsn.reduce(0) { $0 + $1.txval.paise })
            #expect(igst == hsn.reduce(0) { $0 + $1.iamt.paise })
            #expect(cgst == hsn.reduce(0) { $0 + $1.camt.paise })
            #expect(!gstr1.b2b.isEmpty && !gstr1.b2cl.isEmpty && !gstr1.cdnr.isEmpty && gstr1.b2cs.count >= 2)

            let register = try await test.scalar(
                """
                SELECT sum(taxable_paise) || '/' || sum(igst_paise) || '/' || sum(cgst_paise) FROM (
                    SELECT taxable_paise, igst_paise, cgst_paise FROM invoices
                    UNION ALL SELECT -taxable_paise, -igst_paise, -cgst_paise FROM credit_notes) t
                """, as: String.self)
            #expect(register == "\(taxable)/\(igst)/\(cgst)")
            let gstr3b = try await shop.get("reports/gstr-3b?month=2026-11", as: GSTR3B.self)
            #expect(gstr3b.outwardTaxable.taxablePaise == taxable && gstr3b.outwardTaxable.igstPaise == igst)
            // The vendor's ₹882 bill: ₹21 + ₹21 of input credit against the output CGST and SGST.
            #expect(gstr3b.inputTaxCredit.cgstPaise == 2_100 && gstr3b.inputTaxCredit.sgstPaise == 2_100)
            // The month's CGST and SGST are less than their credit: what each credit has left
            // pays IGST, and nothing is carried forward.
            let sgst = gstr3b.outwardTaxable.sgstPaise
            #expect(cgst < 2_100 && sgst < 2_100)
            #expect(gstr3b.netPayable.cgstPaise == 0 && gstr3b.netPayable.sgstPaise == 0)
            #expect(gstr3b.netPayable.igstPaise == igst - (2_100 - cgst) - (2_100 - sgst))
            #expect(gstr3b.payment.map(\.cgstCreditPaise) == [2_100 - cgst, cgst, 0])
            #expect(gstr3b.payment.map(\.sgstCreditPaise) == [2_100 - sgst, 0, sgst])
            let carried = gstr3b.creditCarriedForward
            #expect(carried.igstPaise == 0 && carried.cgstPaise == 0 && carried.sgstPaise == 0)
        }
    }
}
