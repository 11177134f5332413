// The ledger projector's posting rules, journal by journal, on a real database: a small
// pharmacy buys, bills, sells over the counter, counts, transfers and returns, then sells
// on credit, and every journal is the one computed by hand below.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Finance
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import PostgresNIO
import Purchasing
import Sales
import Testing

@Suite struct LedgerPostingTests {
    static let profile = """
        {"legalName": "Sharma Homoeo Pharmacy", "gstin": "27AAPFU0939F1ZV", "stateCode": "27",
         "drugLicences": [{"number": "MH-1", "form": "20C", "validFrom": "2024-04-01", "validUntil": "2099-03-31"}],
         "addressLine1": "12 MG Road", "city": "Pune", "pincode": "411001",
         "invoicePrefix": "INV/", "counterSalePrefix": "CS/", "creditNotePrefix": "CN/"}
        """

    /// The journal of each posted event, in log order: `event: code party debit/credit, …`,
    /// lines in the order the rule posts them.
    static func journals(_ test: TestDatabase) async throws -> [String] {
        try await test.withConnection { connection in
            try await connection.rows(
                """
                SELECT j.event_type || ': ' || string_agg(
                           a.code || COALESCE(' ' || l.party_type || l.party_id, '') || ' '
                           || CASE WHEN l.debit_paise > 0 THEN 'Dr ' || l.debit_paise ELSE 'Cr ' || l.credit_paise END,
                           ', ' ORDER BY l.line_number)
                  FROM ledger_journals j
                  JOIN ledger_lines l ON l.position = j.position
                  JOIN accounts a ON a.id = l.account_id
                 GROUP BY j.position ORDER BY j.position
                """,
                as: String.self, logger: test.logger)
        }
    }

    static func verify(_ test: TestDatabase) async throws {
        try await LiveAPI.catchUpProjections(test)
        let findings = try await test.withConnection {
            try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
        }
        let broken = findings.filter { !$0.holds }
        #expect(broken.isEmpty, "\(broken)")
        #expect(findings.contains { $0.name == "ledger_journals_balance" })
    }

    /// Buys 20 Arnica at ₹40 into Mumbai (A-LATE and A-SOON, 10 each) and bills them at ₹42.
    static func stockedShop(_ http: JSONClient) async throws -> (shop: Shop, order: Int, receipt: Int) {
        let shop = try await Shop.open(http)
        let profile = try await http.execute(
            uri: "/api/v1/company", method: .put, headers: [.ifMatch: "1"], body: ByteBuffer(string: Self.profile))
        #expect(profile.status == .ok, "\(String(buffer: profile.body))")
        let order = try await shop.approvedOrder(
            vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 20, 4_000)])
        let receipt = try await shop.create(
            "goods-receipts",
            Shop.receipt(
                order: order,
                [(1, 10, "A-LATE", Shop.date(daysFromToday: 400)), (1, 10, "A-SOON", Shop.date(daysFromToday: 60))]))
        try await shop.create(
            "vendor-bills",
            NewVendorBill(
                purchaseOrderId: Int64(order), billNumber: "BH-1",
                billDate: try CalendarDate(Shop.date(daysFromToday: 0)),
                lines: [.init(orderLineNumber: 1, quantity: 20, unitPrice: 4_200)]))
        return (shop, order, receipt)
    }

    @Test func eachBuyingSellingAndStockEventPostsTheJournalComputedByHand() async throws {
        try await LiveAPI.with { test, http in
            let (shop, _, receipt) = try await Self.stockedShop(http)
            // 12 at the MRP of ₹95 (5 % in it), paid ₹600 cash and ₹540 by UPI.
            let sale = try await shop.post(
                "counter-sales",
                #"{"warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(shop.arnica), "quantity": 12}], "payments": [{"mode": "cash", "amountPaise": 60000}, {"mode": "upi", "amountPaise": 54000, "reference": "UPI-1"}]}"#
            )
            #expect(sale.status == .created, "\(String(buffer: sale.body))")
            try await shop.create(
                "stock-adjustments",
                NewStockAdjustment(
                    warehouseId: Int64(shop.mumbai), reason: "count",
                    lines: [StockLine(productId: Int64(shop.arnica), batchNumber: "A-LATE", quantity: -1)]))
            try await shop.create(
                "stock-transfers",
                NewStockTransfer(
                    fromWarehouseId: Int64(shop.mumbai), toWarehouseId: Int64(shop.bengaluru),
                    lines: [StockLine(productId: Int64(shop.arnica), batchNumber: "A-LATE", quantity: 2)]))
            try await shop.create(
                "purchase-returns",
                NewPurchaseReturn(
                    goodsReceiptId: Int64(receipt), reason: "damaged", lines: [.init(receiptLineNumber: 1, quantity: 1)]
                ))
            try await Self.verify(test)

            let mumbai = "1400/\(shop.mumbai)"
            let bengaluru = "1400/\(shop.bengaluru)"
            let vendor = "vendor\(shop.mumbaiVendor)"
            #expect(
                try await Self.journals(test) == [
                    // 20 × ₹40 into Mumbai, not yet billed.
                    "goods.received: \(mumbai) Dr 80000, 2200 Cr 80000",
                    // Billed 20 × ₹42 = ₹840 + 2.5 % CGST ₹21 + 2.5 % SGST ₹21 = ₹882; GRNI
                    // cleared at the ₹800 received, ₹40 over the order is price variance.
                    "vendor_bill.posted: 2200 Dr 80000, 5300 Dr 4000, 1510 Dr 2100, 1520 Dr 2100, 2100 \(vendor) Cr 88200",
                    // ₹1,140 inclusive of 5 %: taxable 90476 + 18095, CGST 2262 + 453, SGST
                    // 2262 + 452; cash to the till, UPI to the bank; 12 × ₹40 out at cost.
                    "invoice.issued: 4100 Cr 108571, 2310 Cr 2715, 2320 Cr 2714, 1100 Dr 60000, 1201 Dr 54000, \(mumbai) Cr 48000, 5100 Dr 48000",
                    // One counted missing, at the ₹40 average.
                    "stock.adjusted: \(mumbai) Cr 4000, 5200 Dr 4000",
                    // Two moved to Bengaluru at the ₹40 they carry.
                    "stock.transferred: \(mumbai) Cr 8000, \(bengaluru) Dr 8000",
                    // One billed unit sent back: the vendor owes back what its bill charged,
                    // ₹42 + CGST ₹1.05 + SGST ₹1.05 (1/20 of the bill's 2100 each); the input
                    // tax and the ₹2 price variance are reversed, the unit leaves at ₹40.
                    "purchase.returned: 2100 \(vendor) Dr 4410, 1510 Cr 105, 1520 Cr 105, 5300 Cr 200, \(mumbai) Cr 4000",
                ])

            // The trial balance nets to zero; Mumbai holds 4 × ₹40, Bengaluru 2 × ₹40.
            let balance = try await shop.get("reports/trial-balance", as: TrialBalance.self)
            #expect(balance.totalDebitPaise == balance.totalCreditPaise)
            let byCode = Dictionary(uniqueKeysWithValues: balance.rows.map { ($0.code, $0.balancePaise) })
            #expect(byCode[mumbai] == 16_000 && byCode[bengaluru] == 8_000)
            #expect(byCode["2200"] == 0 && byCode["2100"] == -83_790)
            #expect(byCode["1510"] == 1_995 && byCode["1520"] == 1_995 && byCode["5300"] == 3_800)
            #expect(byCode["1100"] == 60_000 && byCode["4100"] == -108_571)
            let csv = try await http.execute(
                uri: "/api/v1/reports/trial-balance", method: .get, headers: [.accept: "text/csv"])
            #expect(csv.status == .ok)
            #expect(
                String(buffer: csv.body).hasSuffix(
                    ",Total,,,\(balance.totalDebitPaise),\(balance.totalCreditPaise),0\r\n"))
        }
    }

    @Test func returnedBilledUnitsReverseTheirInputTaxInTheLedgerAndGSTR3BAndVerifyComparesTheTaxAccounts()
        async throws
    {
        try await LiveAPI.with { test, http in
            let (shop, _, receipt) = try await Self.stockedShop(http)
            // Three of the 20 billed units go back: 3/20 of the bill's ₹840, ₹21 and ₹21.
            try await shop.create(
                "purchase-returns",
                NewPurchaseReturn(
                    goodsReceiptId: Int64(receipt), reason: "damaged", lines: [.init(receiptLineNumber: 1, quantity: 3)]
                ))
            let returned = try await test.withConnection { connection in
                try await connection.rows(
                    "SELECT billed_quantity, billed_taxable_paise, cgst_paise, sgst_paise, igst_paise FROM purchase_return_lines",
                    as: (Int64, Int64, Int64, Int64, Int64).self, logger: test.logger)
            }
            // 2100 × 3 / 20 = 315 exactly; 84000 × 3 / 20 = 12600.
            #expect(returned.map { [$0.0, $0.1, $0.2, $0.3, $0.4] } == [[3, 12_600, 315, 315, 0]])
            // Paying the tax over is a manual journal on the tax account, which the
            // registers know nothing of: verify leaves it out.
            try await shop.create(
                "journal-entries",
                NewJournalEntry(
                    narration: "CGST credit used",
                    lines: [
                        NewJournalLine(accountCode: "2310", debitPaise: 500),
                        NewJournalLine(accountCode: "1510", creditPaise: 500),
                    ]))
            try await Self.verify(test)
            let vendor = "vendor\(shop.mumbaiVendor)"
            #expect(
                try await Self.journals(test).contains(
                    "purchase.returned: 2100 \(vendor) Dr 13230, 1510 Cr 315, 1520 Cr 315, 5300 Cr 600, 1400/\(shop.mumbai) Cr 12000"
                ))
            let month = String(Shop.date(daysFromToday: 0).prefix(7))
            let gstr3b = try await shop.get("reports/gstr-3b?month=\(month)", as: GSTR3B.self)
            #expect(gstr3b.inputTaxCredit.taxablePaise == 84_000 - 12_600)
            #expect(gstr3b.inputTaxCredit.cgstPaise == 2_100 - 315 && gstr3b.inputTaxCredit.sgstPaise == 2_100 - 315)

            // The other 17 go back in one return of two lines (both batches): together with
            // the first return they claim back the bill to the paisa.
            try await shop.create(
                "purchase-returns",
                NewPurchaseReturn(
                    goodsReceiptId: Int64(receipt), reason: "recalled",
                    lines: [.init(receiptLineNumber: 1, quantity: 7), .init(receiptLineNumber: 2, quantity: 10)]))
            let all = try await test.withConnection { connection in
                try await connection.rows(
                    """
                    SELECT sum(billed_quantity)::bigint, sum(billed_taxable_paise)::bigint, sum(cgst_paise)::bigint,
                           sum(sgst_paise)::bigint
                      FROM purchase_return_lines
                    """,
                    as: (Int64, Int64, Int64, Int64).self, logger: test.logger)
            }
            #expect(all.map { [$0.0, $0.1, $0.2, $0.3] } == [[20, 84_000, 2_100, 2_100]])
            try await Self.verify(test)

            // A tax figure the ledger did not post is a breach naming both figures.
            try await test.withConnection { connection in
                _ = try await connection.query("UPDATE purchase_return_lines SET cgst_paise = 300", logger: test.logger)
            }
            let findings = try await test.withConnection {
                try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
            }
            let tax = try #require(findings.first { $0.name == "ledger_tax_accounts_equal_registers" })
            #expect(
                tax.breaches == [
                    "the input_cgst account is 0 debit in the books (manual journals aside), 1200 debit by the documents"
                ])
        }
    }

    @Test func aCounterSalesCreditNotePaysTheBuyerBackFromTheTillOrTheBankAsItsRefundModeSays() async throws {
        try await LiveAPI.with { test, http in
            let (shop, _, _) = try await Self.stockedShop(http)
            // 2 at the MRP of ₹95, paid by UPI.
            let sale = try await shop.create(
                "counter-sales",
                #"{"warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(shop.arnica), "quantity": 2}], "payments": [{"mode": "upi", "amountPaise": 19000, "reference": "UPI-7"}]}"#
            )
            let bad = NewCreditNote(
                invoiceId: Int64(sale), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)],
                refundMode: "cheque")
            let refused = try await shop.post("credit-notes", bad)
            #expect(refused.status == .unprocessableContent && String(buffer: refused.body).contains("refundMode"))
            // One unit back by UPI, from the bank; the other in cash (the default), from the till.
            for mode in ["upi", nil] {
                let id = try await shop.create(
                    "credit-notes",
                    NewCreditNote(
                        invoiceId: Int64(sale), reason: "return",
                        lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)],
                        refundMode: mode))
                #expect(try await shop.get("credit-notes/\(id)")["refundMode"] as? String == mode ?? "cash")
            }
            try await Self.verify(test)
            let mumbai = "1400/\(shop.mumbai)"
            // The sale: ₹190 inclusive of 5 %, taxable 18095, CGST 453, SGST 452. Each note
            // credits half, rounded cumulatively: 9048 + 227 + 226 = ₹95.01, 1 paisa round
            // off to ₹95; then 9047 + 226 + 226 = ₹94.99, 1 paisa the other way.
            #expect(
                Array(try await Self.journals(test).suffix(2)) == [
                    "credit_note.issued: 4100 Dr 9048, 2310 Dr 227, 2320 Dr 226, 5400 Cr 1, 1201 Cr 9500, \(mumbai) Dr 4000, 5100 Cr 4000",
                    "credit_note.issued: 4100 Dr 9047, 2310 Dr 226, 2320 Dr 226, 5400 Dr 1, 1100 Cr 9500, \(mumbai) Dr 4000, 5100 Cr 4000",
                ])
        }
        // A B2B invoice's note is credited to the customer's account: no refund mode.
        try await LiveAPI.with { _, http in
            let (b2b, _, invoice) = try await PaymentAndJournalTests.invoicedCustomer(http)
            let credited = try await b2b.post(
                "credit-notes",
                NewCreditNote(
                    invoiceId: Int64(invoice), reason: "return",
                    lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)],
                    refundMode: "cash"))
            #expect(credited.status == .unprocessableContent && String(buffer: credited.body).contains("refundMode"))
        }
    }

    @Test func aCreditSaleDeliveredInvoicedAndPartlyCreditedPostsDebtorsCOGSAndTheirReversal() async throws {
        try await LiveAPI.with { test, http in
            let (shop, _, _) = try await Self.stockedShop(http)
            let licence = DrugLicence(
                number: "KA-20D-1", form: "20D", validFrom: try CalendarDate("2024-04-01"),
                validUntil: try CalendarDate("2099-03-31"))
            let customer = try await shop.create(
                "customers",
                NewCustomer(
                    name: "Gupta Medical Stores", gstin: "29AAGCB7383J1Z4", address: "4 Residency Road, Bengaluru",
                    drugLicences: [licence], creditLimitPaise: 10_000_000, paymentTermsDays: 30,
                    minimumShelfLifeDays: 10))
            let order = try await shop.create(
                "sales-orders",
                NewSalesOrder(
                    customerId: Int64(customer), warehouseId: Int64(shop.mumbai),
                    lines: [
                        NewSalesOrderLine(
                            productId: Int64(shop.arnica), quantity: 2, ratePaise: 8_000, discountPaise: 500)
                    ]))
            try await shop.create("sales-orders/\(order)/confirm", "")
            let delivery = try await shop.create(
                "deliveries",
                NewDelivery(
                    salesOrderId: Int64(order),
                    lines: [NewDeliveryLine(orderLine: 1, quantity: 2, batchNumber: "A-LATE")]))
            let invoice = try await shop.create("invoices", NewInvoice(deliveryIds: [Int64(delivery)]))
            let note = try await shop.create(
                "credit-notes",
                NewCreditNote(
                    invoiceId: Int64(invoice), reason: "return", note: "one damaged",
                    lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1, writeOff: false)]))
            try await Self.verify(test)

            let credit = try await shop.get("credit-notes/\(note)")
            let (taxable, igst, roundOff, total) = (
                try #require(credit["taxable"] as? Int), try #require(credit["igst"] as? Int),
                try #require(credit["roundOff"] as? Int), try #require(credit["total"] as? Int)
            )
            #expect(taxable + igst + roundOff == total)
            let mumbai = "1400/\(shop.mumbai)"
            let debtor = "customer\(customer)"
            let roundOffLine = roundOff == 0 ? "" : ", 5400 " + (roundOff > 0 ? "Dr \(roundOff)" : "Cr \(-roundOff)")
            #expect(
                Array(try await Self.journals(test).dropFirst(2)) == [
                    // Two out of Mumbai at the ₹40 average.
                    "goods.delivered: \(mumbai) Cr 8000, 5100 Dr 8000",
                    // Inter-state: 2 × ₹80 − ₹5 = ₹155 + 5 % IGST ₹7.75 = ₹162.75, ₹163 with
                    // 25 paise round off, owed by the customer.
                    "invoice.issued: 4100 Cr 15500, 2330 Cr 775, 5400 Cr 25, 1300 \(debtor) Dr 16300",
                    // One returned to stock: the sale and tax reversed at the invoice's rate, the
                    // customer owes less, and the unit's ₹40 goes back from COGS to Mumbai.
                    "credit_note.issued: 4100 Dr \(taxable), 2330 Dr \(igst)\(roundOffLine), 1300 \(debtor) Cr \(total), \(mumbai) Dr 4000, 5100 Cr 4000",
                ])
            #expect(taxable == 7_750)
        }
    }

    @Test func aBatchAppliedTwicePostsItsJournalsOnce() async throws {
        try await LiveAPI.with { test, http in
            _ = try await Self.stockedShop(http)
            try await LiveAPI.catchUpProjections(test)
            let before = try await Self.totals(test)
            // A retried batch: the same events, read as the runner reads them, applied again, as
            // after a lost commit answer.
            try await test.withConnection { connection in
                let events = try await connection.rows(
                    """
                    SELECT position, tx::text::bigint, type, aggregate_type, aggregate_id,
                           \(unescaped: LedgerProjector().payloadSQL ?? "payload::text"), metadata::text, recorded_at
                      FROM events ORDER BY position
                    """,
                    as: (Int64, Int64, String, String, String, String, String, Date).self, logger: test.logger
                ).map {
                    RecordedEvent(
                        position: $0.0, tx: UInt64($0.1), type: EventType($0.2), aggregateType: $0.3, aggregateID: $0.4,
                        payload: $0.5, metadata: $0.6, recordedAt: $0.7)
                }.filter { Posting.eventTypes.contains($0.type) }
                #expect(events.count == 2)
                try await connection.inTransaction(logger: test.logger) {
                    try await LedgerProjector().apply(events, in: $0, logger: test.logger)
                }
            }
            #expect(try await Self.totals(test) == before)
            #expect(before.hasPrefix("2 journals, 7 lines"))
        }
    }

    static func totals(_ test: TestDatabase) async throws -> String {
        try await test.scalar(
            """
            SELECT (SELECT count(*) FROM ledger_journals) || ' journals, ' || (SELECT count(*) FROM ledger_lines)
                   || ' lines, days ' || (SELECT sum(debit_paise) || '/' || sum(credit_paise) FROM ledger_account_days)
                   || ', parties ' || (SELECT sum(debit_paise) || '/' || sum(credit_paise) FROM ledger_party_balances)
            """, as: String.self)
    }
}
