// Customer receipts and vendor payments with allocation, advances and unallocation;
// manual journals and their reversal; the period lock. Over real HTTP on a real database.
import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPStore
import ERPTestSupport
import Finance
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Purchasing
import Sales
import Testing

@Suite struct PaymentAndJournalTests {
    /// A stocked shop, a Karnataka customer with a ₹200 credit limit, and a B2B invoice of
    /// ₹163 to them (2 × ₹80 − ₹5 + 5 % IGST, rounded).
    static func invoicedCustomer(_ http: JSONClient) async throws -> (shop: Shop, customer: Int, invoice: Int) {
        let (shop, _, _) = try await LedgerPostingTests.stockedShop(http)
        let licence = DrugLicence(
            number: "KA-20D-1", form: "20D", validFrom: try CalendarDate("2024-04-01"),
            validUntil: try CalendarDate("2099-03-31"))
        let customer = try await shop.create(
            "customers",
            NewCustomer(
                name: "Gupta Medical Stores", gstin: "29AAGCB7383J1Z4", address: "4 Residency Road, Bengaluru",
                drugLicences: [licence], creditLimitPaise: 20_000, paymentTermsDays: 30, minimumShelfLifeDays: 10))
        let order = try await Self.confirmedOrder(shop, customer: customer)
        let delivery = try await shop.create(
            "deliveries",
            NewDelivery(salesOrderId: Int64(order), lines: [NewDeliveryLine(orderLine: 1, quantity: 2)]))
        let invoice = try await shop.create("invoices", NewInvoice(deliveryIds: [Int64(delivery)]))
        return (shop, customer, invoice)
    }

    static func order(_ shop: Shop, customer: Int) async throws -> Int {
        try await shop.create(
            "sales-orders",
            NewSalesOrder(
                customerId: Int64(customer), warehouseId: Int64(shop.mumbai),
                lines: [
                    NewSalesOrderLine(productId: Int64(shop.arnica), quantity: 2, ratePaise: 8_000, discountPaise: 500)
                ]))
    }

    static func confirmedOrder(_ shop: Shop, customer: Int) async throws -> Int {
        let order = try await Self.order(shop, customer: customer)
        try await shop.create("sales-orders/\(order)/confirm", "")
        return order
    }

    static func outstanding(_ test: TestDatabase, invoice: Int) async throws -> Int64 {
        try await test.scalar(
            """
            SELECT (i.total_paise - COALESCE((SELECT sum(amount_paise) FROM payment_allocations WHERE invoice_id = i.id), 0))::bigint
              FROM invoices i WHERE i.id = \(invoice)
            """, as: Int64.self)
    }

    static func problem(_ response: TestResponse) throws -> (status: HTTPResponse.Status, fields: [String: String]) {
        let problem = try LiveAPI.problem(response)
        return (
            response.status, Dictionary(problem.errors.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        )
    }

    @Test func aReceiptSettlesInvoicesUpToWhatIsOutstandingAndTheRestWaitsAsAnAdvance() async throws {
        try await LiveAPI.with { test, http in
            let (shop, customer, invoice) = try await Self.invoicedCustomer(http)
            // A second order of ₹163 would take the ₹163 owed to ₹326, over the ₹200
            // limit, for someone without sales.override_credit_limit.
            _ = try await LiveAPI.createUser(test, email: "ravi@example.in", roles: [.sales])
            let seller = http.signed(try await LiveAPI.signIn(http, email: "ravi@example.in"))
            let second = try await Self.order(shop, customer: customer)
            let confirm = { try await seller.execute(uri: "/api/v1/sales-orders/\(second)/confirm", method: .post) }
            let over = try await confirm()
            #expect(over.status == .conflict, "\(String(buffer: over.body))")

            // ₹200 received by UPI: ₹100 to the invoice, ₹100 an advance.
            let receipt = try LiveAPI.json(
                try await shop.post(
                    "customer-receipts",
                    NewPayment(
                        customerId: Int64(customer), mode: "upi", reference: "UPI-77", accountCode: "1201",
                        amountPaise: 20_000,
                        allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 10_000)])
                ))
            let id = try #require(receipt["id"] as? Int)
            #expect(receipt["allocatedPaise"] as? Int == 10_000)
            #expect(try await Self.outstanding(test, invoice: invoice) == 6_300)
            // The receipt counts against what the customer owes: the second order fits now.
            #expect(try await confirm().status == .ok)

            // More than is outstanding, or than is left of the receipt: refused, nothing written.
            let before = try await test.scalar("SELECT count(*) FROM payment_allocations", as: Int64.self)
            let tooMuch = try Self.problem(
                try await shop.post(
                    "customer-receipts/\(id)/allocations",
                    AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 6_301)])))
            #expect(tooMuch.status == .unprocessableContent)
            #expect(tooMuch.fields["allocations[0].amountPaise"] == "invoice \(invoice) has ₹63.00 outstanding")
            let unallocate = try Self.problem(
                try await shop.post(
                    "customer-receipts/\(id)/unallocations",
                    AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 10_001)])))
            #expect(
                unallocate.fields["allocations[0].amountPaise"]
                    == "payment \(id) has ₹100.00 allocated to invoice \(invoice)")
            let wrongKind = try Self.problem(
                try await shop.post(
                    "customer-receipts/\(id)/allocations",
                    AllocationChange(allocations: [NewAllocation(vendorBillId: 1, amountPaise: 100)])))
            #expect(wrongKind.fields["allocations[0].invoiceId"] == "is required: a receipt settles invoices")
            #expect(try await test.scalar("SELECT count(*) FROM payment_allocations", as: Int64.self) == before)

            // The rest of the invoice from the advance, then ₹30 given back.
            try await shop.create(
                "customer-receipts/\(id)/allocations",
                AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 6_300)]))
            #expect(try await Self.outstanding(test, invoice: invoice) == 0)
            let back = try LiveAPI.json(
                try await shop.post(
                    "customer-receipts/\(id)/unallocations",
                    AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 3_000)])))
            #expect(back["allocatedPaise"] as? Int == 13_300)
            #expect(try await Self.outstanding(test, invoice: invoice) == 3_000)

            // One journal for the receipt; allocating and giving back post none.
            try await LedgerPostingTests.verify(test)
            let journals = try await LedgerPostingTests.journals(test)
            #expect(
                journals.filter { $0.hasPrefix("payment.") } == [
                    "payment.received: 1201 Dr 20000, 1300 customer\(customer) Cr 20000"
                ])
            #expect(
                try await test.scalar(
                    "SELECT count(*) FROM events WHERE type IN ('payment.allocated', 'payment.unallocated')",
                    as: Int64.self) == 3)
        }
    }

    /// Regression: a credit note on an invoice receipts had settled credited more than was
    /// unpaid, and the allocations came to more than the invoice less its credit notes.
    @Test func aCreditNoteForMoreThanIsUnpaidWaitsForTheReceiptsAllocationsToBeGivenBack() async throws {
        try await LiveAPI.with { test, http in
            let (shop, customer, invoice) = try await Self.invoicedCustomer(http)
            let receipt = try await shop.create(
                "customer-receipts",
                NewPayment(
                    customerId: Int64(customer), mode: "cash", accountCode: "1100", amountPaise: 16_300,
                    allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 16_300)]))
            let return1 = NewCreditNote(
                invoiceId: Int64(invoice), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)])
            func counts() async throws -> [Int64] {
                [
                    try await test.scalar("SELECT count(*) FROM credit_notes", as: Int64.self),
                    try await test.scalar("SELECT count(*) FROM events", as: Int64.self),
                    try await test.scalar(
                        "SELECT COALESCE(sum(quantity), 0)::bigint FROM stock_on_hand", as: Int64.self),
                ]
            }
            let before = try await counts()
            let paid = try Self.problem(try await shop.post("credit-notes", return1))
            #expect(paid.status == .unprocessableContent)
            #expect(paid.fields["invoiceId"]?.hasPrefix("₹0.00 is unpaid; the note comes to ₹") == true, "\(paid)")
            #expect(try await counts() == before)

            // ₹100 given back to the customer as an advance: the note fits, and every
            // invariant holds.
            try await shop.create(
                "customer-receipts/\(receipt)/unallocations",
                AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 10_000)]))
            let note = try await shop.create("credit-notes", return1)
            let total = try #require(try await shop.get("credit-notes/\(note)")["total"] as? Int)
            #expect((1...10_000).contains(total))
            // The second unit's note is again more than the ₹100 less the first note left.
            let return2 = NewCreditNote(
                invoiceId: Int64(invoice), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)])
            let again = try Self.problem(try await shop.post("credit-notes", return2))
            #expect(again.status == .unprocessableContent, "\(again)")
            try await LedgerPostingTests.verify(test)
        }
    }

    @Test func aVendorPaymentClearsCreditorsAndSettlesItsVendorsBillOnly() async throws {
        try await LiveAPI.with { test, http in
            let (shop, _, _) = try await LedgerPostingTests.stockedShop(http)
            let bill = try await test.scalar("SELECT min(id) FROM vendor_bills", as: Int64.self)
            let other = try Self.problem(
                try await shop.post(
                    "vendor-payments",
                    NewPayment(
                        vendorId: Int64(shop.bengaluruVendor), mode: "cash", accountCode: "1100", amountPaise: 1_000,
                        allocations: [NewAllocation(vendorBillId: bill, amountPaise: 1_000)])))
            #expect(
                other.fields["allocations[0].vendorBillId"]
                    == "vendor bill \(bill) is not of this payment's vendor \(shop.bengaluruVendor)")
            let notCash = try Self.problem(
                try await shop.post(
                    "vendor-payments",
                    NewPayment(
                        vendorId: Int64(shop.mumbaiVendor), mode: "cash", accountCode: "4100", amountPaise: 1_000)))
            #expect(notCash.fields["accountCode"] == "4100 is not an active cash or bank account")
            let cheque = try Self.problem(
                try await shop.post(
                    "vendor-payments",
                    NewPayment(
                        vendorId: Int64(shop.mumbaiVendor), mode: "cheque", accountCode: "1201", amountPaise: 1_000)))
            #expect(cheque.fields["chequeNumber"] == "is required for a cheque: its 6 digits")
            #expect(try await test.scalar("SELECT count(*) FROM payments", as: Int64.self) == 0)

            try await shop.create(
                "vendor-payments",
                NewPayment(
                    vendorId: Int64(shop.mumbaiVendor), mode: "bank_transfer", reference: "NEFT-9", accountCode: "1201",
                    amountPaise: 88_200, allocations: [NewAllocation(vendorBillId: bill, amountPaise: 88_200)]))
            try await LedgerPostingTests.verify(test)
            #expect(
                try await LedgerPostingTests.journals(test).last
                    == "payment.made: 2100 vendor\(shop.mumbaiVendor) Dr 88200, 1201 Cr 88200")
            let balance = try await shop.get("reports/trial-balance", as: TrialBalance.self)
            #expect(balance.rows.first { $0.code == "2100" }?.balancePaise == 0)
        }
    }

    @Test func aJournalBalancesNamesItsPartiesAndIsCorrectedOnlyByItsReversal() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Shop.open(http)
            let unbalanced = try Self.problem(
                try await shop.post(
                    "journal-entries",
                    NewJournalEntry(
                        narration: "capital",
                        lines: [
                            NewJournalLine(accountCode: "1201", debitPaise: 1_000),
                            NewJournalLine(accountCode: "3100", creditPaise: 900),
                        ])))
            #expect(unbalanced.fields["lines"] == "debits (₹10.00) must equal credits (₹9.00)")
            let wrongAccounts = try Self.problem(
                try await shop.post(
                    "journal-entries",
                    NewJournalEntry(
                        narration: "opening balances",
                        lines: [
                            NewJournalLine(accountCode: "2100", debitPaise: 1_000),
                            NewJournalLine(accountCode: "1500", creditPaise: 500),
                            NewJournalLine(accountCode: "3100", partyType: "vendor", partyId: 1, creditPaise: 400),
                            NewJournalLine(accountCode: "9999", creditPaise: 100),
                        ])))
            #expect(wrongAccounts.status == .unprocessableContent)
            #expect(
                wrongAccounts.fields == [
                    "lines[0].partyType": "2100 is a control account: name the vendor",
                    "lines[1].accountCode": "1500 is a group: post to an account under it",
                    "lines[2].partyType": "3100 is not a control account: it takes no party",
                    "lines[3].accountCode": "there is no account 9999",
                ])
            #expect(try await test.scalar("SELECT count(*) FROM journal_entries", as: Int64.self) == 0)

            // Opening: the owner brings ₹5,000 to the bank and the shop owes its vendor ₹1,000.
            let entry = try await shop.create(
                "journal-entries",
                NewJournalEntry(
                    narration: "opening balances",
                    lines: [
                        NewJournalLine(accountCode: "1201", debitPaise: 500_000),
                        NewJournalLine(accountCode: "3100", creditPaise: 400_000),
                        NewJournalLine(
                            accountCode: "2100", partyType: "vendor", partyId: Int64(shop.mumbaiVendor),
                            creditPaise: 100_000),
                    ]))
            let reversal = try LiveAPI.json(
                try await shop.post("journal-entries/\(entry)/reverse", JournalReversal(narration: "wrong vendor")))
            #expect(reversal["reversesEntryId"] as? Int == entry)
            let lines = try #require(reversal["lines"] as? [[String: Any]])
            #expect(lines.map { $0["debitPaise"] as? Int } == [0, 400_000, 100_000])
            #expect(lines.map { $0["creditPaise"] as? Int } == [500_000, 0, 0])
            let again = try await shop.post("journal-entries/\(entry)/reverse", JournalReversal())
            #expect(again.status == .conflict)
            let reversalID = try #require(reversal["id"] as? Int)
            #expect(try await shop.post("journal-entries/\(reversalID)/reverse", JournalReversal()).status == .conflict)

            try await LedgerPostingTests.verify(test)
            let vendor = "vendor\(shop.mumbaiVendor)"
            #expect(
                try await LedgerPostingTests.journals(test) == [
                    "journal.posted: 1201 Dr 500000, 3100 Cr 400000, 2100 \(vendor) Cr 100000",
                    "journal.posted: 1201 Cr 500000, 3100 Dr 400000, 2100 \(vendor) Dr 100000",
                ])
        }
    }

    @Test func nothingIsPostedOnOrBeforeTheLockDateAndTheLockOnlyMovesForward() async throws {
        try await LiveAPI.with { test, http in
            let (shop, _, _) = try await LedgerPostingTests.stockedShop(http)
            // Five more received, not yet billed.
            let order = try await shop.approvedOrder(
                vendor: shop.mumbaiVendor, warehouse: shop.mumbai, [(shop.arnica, 5, 4_000)])
            try await shop.create(
                "goods-receipts", Shop.receipt(order: order, [(1, 5, "A-NEW", Shop.date(daysFromToday: 500))]))
            let today = try CalendarDate(Shop.date(daysFromToday: 0))
            let yesterday = try CalendarDate(Shop.date(daysFromToday: -1))
            let lastWeek = try CalendarDate(Shop.date(daysFromToday: -7))
            #expect(
                try Self.problem(try await shop.post("finance/lock-date", LockDate(lockDate: today))).fields["lockDate"]
                    == "must be before the business date \(today): today's books stay open")
            #expect(try await shop.post("finance/lock-date", LockDate(lockDate: yesterday)).status == .ok)
            #expect(
                try Self.problem(try await shop.post("finance/lock-date", LockDate(lockDate: lastWeek))).fields[
                    "lockDate"] == "the books are locked up to \(yesterday): the lock date only moves forward")

            let backDated = try Self.problem(
                try await shop.post(
                    "journal-entries",
                    NewJournalEntry(
                        entryDate: yesterday, narration: "late entry",
                        lines: [
                            NewJournalLine(accountCode: "5500", debitPaise: 100),
                            NewJournalLine(accountCode: "1201", creditPaise: 100),
                        ])))
            #expect(backDated.fields["entryDate"] == "is on or before the lock date \(yesterday)")
            let payment = try Self.problem(
                try await shop.post(
                    "vendor-payments",
                    NewPayment(
                        vendorId: Int64(shop.mumbaiVendor), mode: "cash", accountCode: "1100", amountPaise: 100,
                        paymentDate: lastWeek)))
            #expect(payment.fields["paymentDate"] == "is on or before the lock date \(yesterday)")
            // A vendor bill dated in the closed period is refused by the database's rule.
            let bill = try await shop.post(
                "vendor-bills",
                NewVendorBill(
                    purchaseOrderId: Int64(order), billNumber: "BH-2", billDate: lastWeek,
                    lines: [.init(orderLineNumber: 1, quantity: 1, unitPrice: 4_000)]))
            #expect(bill.status == .unprocessableContent, "\(String(buffer: bill.body))")
            #expect(try LiveAPI.problem(bill).errors.map(\.field) == ["billDate"], "\(String(buffer: bill.body))")
            #expect(try await test.scalar("SELECT count(*) FROM journal_entries", as: Int64.self) == 0)

            // Today's postings go on.
            try await shop.create(
                "journal-entries",
                NewJournalEntry(
                    narration: "bank charges",
                    lines: [
                        NewJournalLine(accountCode: "5500", debitPaise: 100),
                        NewJournalLine(accountCode: "1201", creditPaise: 100),
                    ]))
            try await LedgerPostingTests.verify(test)
        }
    }
}
