// The books of a small known business, equal to figures computed by hand: trial balance,
// profit and loss, balance sheet, an account statement, a party ledger, the day book,
// and receivables and payables by age. Over real HTTP, as JSON and CSV.
import ERPApp
import ERPKernel
import ERPTestSupport
import Finance
import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Purchasing
import Sales
import Testing

@Suite struct BooksTests {
    /// The business of LedgerPostingTests' first test: bought 20 at ₹40, billed at ₹42 + 5 %,
    /// sold 12 over the counter for ₹1,140, one counted missing, two moved to Bengaluru,
    /// one returned to the vendor.
    static func smallBusiness(_ http: JSONClient) async throws -> Shop {
        let (shop, _, receipt) = try await LedgerPostingTests.stockedShop(http)
        let sale = try await shop.post(
            "counter-sales",
            #"{"warehouseId": \#(shop.mumbai), "lines": [{"productId": \#(shop.arnica), "quantity": 12}], "payments": [{"mode": "cash", "amountPaise": 60000}, {"mode": "upi", "amountPaise": 54000, "reference": "UPI-1"}]}"#
        )
        #expect(sale.status == .created)
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
                goodsReceiptId: Int64(receipt), reason: "damaged", lines: [.init(receiptLineNumber: 1, quantity: 1)]))
        return shop
    }

    @Test func theTrialBalanceProfitAndLossAndBalanceSheetAreTheFiguresComputedByHand() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.smallBusiness(http)
            try await LiveAPI.catchUpProjections(test)
            let mumbai = "1400/\(shop.mumbai)"
            let bengaluru = "1400/\(shop.bengaluru)"

            let trial = try await shop.get("reports/trial-balance", as: TrialBalance.self)
            let balances = Dictionary(uniqueKeysWithValues: trial.rows.map { ($0.code, $0.balancePaise) })
            #expect(
                balances == [
                    "1100": 60_000, "1201": 54_000, mumbai: 16_000, bengaluru: 8_000, "1510": 1_995, "1520": 1_995,
                    "2100": -83_790, "2200": 0, "2310": -2_715, "2320": -2_714, "4100": -108_571, "5100": 48_000,
                    "5200": 4_000, "5300": 3_800,
                ])
            #expect(trial.totalDebitPaise == trial.totalCreditPaise)

            // Income ₹1,085.71; expenses: COGS ₹480, stock adjustment ₹40, price variance ₹38 (the
            // returned unit's ₹2 reversed).
            let profit = try await shop.get("reports/profit-and-loss", as: ProfitAndLoss.self)
            #expect(profit.income.map(\.amountPaise) == [108_571])
            #expect(profit.expenses.map(\.code) == ["5100", "5200", "5300"])
            #expect(
                (profit.totalIncomePaise, profit.totalExpensesPaise, profit.netProfitPaise) == (108_571, 55_800, 52_771)
            )

            // Assets ₹1,419.90: cash, bank, stock ₹240, input tax ₹39.90 (the returned unit's
            // ₹2.10 reversed). Liabilities ₹892.19: the vendor ₹837.90 (₹882 less the ₹44.10
            // it owes back), output tax ₹54.29; the profit ₹527.71 makes up the rest.
            let sheet = try await shop.get("reports/balance-sheet", as: BalanceSheet.self)
            #expect(sheet.totalAssetsPaise == 141_990)
            #expect(sheet.liabilities.map(\.amountPaise) == [83_790, 2_715, 2_714])
            #expect(sheet.profitToDatePaise == 52_771)
            #expect(sheet.totalLiabilitiesAndEquityPaise == 141_990)

            // Nothing before today.
            let yesterday = Shop.date(daysFromToday: -1)
            let before = try await shop.get("reports/balance-sheet?asOf=\(yesterday)", as: BalanceSheet.self)
            #expect(before.assets.isEmpty && before.totalAssetsPaise == 0)

            let csv = try await http.execute(
                uri: "/api/v1/reports/profit-and-loss", method: .get, headers: [.accept: "text/csv"])
            #expect(String(buffer: csv.body).contains("\r\nnet profit,,,52771\r\n"))
        }
    }

    @Test func statementsCarryTheirOpeningRunningAndClosingBalancesAndTheDayBookEveryJournal() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await Self.smallBusiness(http)
            try await LiveAPI.catchUpProjections(test)
            let mumbai = "1400/\(shop.mumbai)"
            let statement = try await shop.get("reports/account-statement?account=\(mumbai)", as: Statement.self)
            #expect(statement.openingBalancePaise == 0)
            #expect(statement.lines.map(\.balancePaise) == [80_000, 32_000, 28_000, 20_000, 16_000])
            #expect(
                statement.lines.map(\.eventType) == [
                    "goods.received", "invoice.issued", "stock.adjusted", "stock.transferred", "purchase.returned",
                ])
            #expect(statement.closingBalancePaise == 16_000)
            let tomorrow = Shop.date(daysFromToday: 1)
            let later = try await shop.get(
                "reports/account-statement?account=\(mumbai)&from=\(tomorrow)&to=\(tomorrow)", as: Statement.self)
            #expect(later.openingBalancePaise == 16_000 && later.lines.isEmpty && later.closingBalancePaise == 16_000)
            let unknown = try await http.execute(uri: "/api/v1/reports/account-statement?account=9999", method: .get)
            #expect(unknown.status == .notFound)
            let missing = try await http.execute(uri: "/api/v1/reports/account-statement", method: .get)
            #expect(missing.status == .badRequest || missing.status == .unprocessableContent)

            let vendor = try await shop.get(
                "reports/party-ledger?partyType=vendor&partyId=\(shop.mumbaiVendor)", as: Statement.self)
            #expect(vendor.lines.map(\.balancePaise) == [-88_200, -83_790])
            #expect(vendor.lines.map(\.reference) == ["BH-1", "return 1"])
            // Payables: the return's debit note (one billed unit's ₹42 and its tax, owed back
            // at once, so due first) beside the unpaid bill, together what the vendor is owed.
            let payables = try await shop.get("reports/payables", as: Aging.self)
            #expect(payables.items.map(\.document) == ["debit_note", "bill"])
            #expect(payables.items.map(\.outstandingPaise) == [-4_410, 88_200])
            #expect(payables.items.first?.number == "return 1" && payables.items.first?.daysPastDue == 0)
            #expect(payables.totalOutstandingPaise == 83_790)
            #expect(payables.bucketsPaise.values.reduce(0, +) == 83_790)
            let csv = try await http.execute(
                uri: "/api/v1/reports/payables", method: .get, headers: [.accept: "text/csv"])
            #expect(String(buffer: csv.body).contains("\r\ndebit_note,1,return 1,\(shop.mumbaiVendor),"))

            let book = try await shop.get("reports/day-book", as: DayBook.self)
            #expect(book.journals.count == 6)
            #expect(book.totalPaise == 346_610)
        }
    }

    @Test func openDocumentsAgeIntoBucketsThatSumToWhatIsOutstanding() async throws {
        try await LiveAPI.with { _, http in
            let (shop, customer, invoice) = try await PaymentAndJournalTests.invoicedCustomer(http)
            // ₹63 received against the ₹163 invoice: ₹100 outstanding, due in 30 days.
            let receipt = try await shop.create(
                "customer-receipts",
                NewPayment(
                    customerId: Int64(customer), mode: "cash", accountCode: "1100", amountPaise: 6_300,
                    allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 6_300)]))
            for (days, bucket) in [
                (0, "0-30"), (45, "0-30"), (61, "31-60"), (100, "61-90"), (140, "91-120"), (200, "121+"),
            ] {
                let aging = try await shop.get(
                    "reports/receivables?asOf=\(Shop.date(daysFromToday: days))", as: Aging.self)
                #expect(aging.items.map(\.outstandingPaise) == [10_000], "\(days)")
                #expect(aging.items.map(\.bucket) == [bucket], "\(days) days")
                #expect(aging.items.first?.daysPastDue == days - 30)
                #expect(aging.bucketsPaise.values.reduce(0, +) == aging.totalOutstandingPaise)
                #expect(aging.bucketsPaise[bucket] == 10_000)
            }
            // A credit note for one of the two units comes off what is outstanding. One for
            // the other is more than the receipt leaves unpaid: refused until the receipt's
            // ₹63 is given back as an advance; then what the notes' rounding leaves is
            // settled from that advance, and the invoice is no longer listed.
            var credited = 0
            for left in [true, false] {
                let note = NewCreditNote(
                    invoiceId: Int64(invoice), reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 1)]
                )
                if !left {
                    #expect(try await shop.post("credit-notes", note).status == .unprocessableContent)
                    try await shop.create(
                        "customer-receipts/\(receipt)/unallocations",
                        AllocationChange(allocations: [NewAllocation(invoiceId: Int64(invoice), amountPaise: 6_300)]))
                }
                let id = try await shop.create("credit-notes", note)
                let total = try #require(try await shop.get("credit-notes/\(id)")["total"] as? Int)
                credited += total
                let aging = try await shop.get("reports/receivables", as: Aging.self)
                if left {
                    #expect(aging.items.map(\.outstandingPaise) == [Int64(10_000 - total)])
                } else {
                    let residue = Int64(16_300 - credited)
                    #expect(aging.items.map(\.outstandingPaise) == (residue > 0 ? [residue] : []))
                    if residue > 0 {
                        try await shop.create(
                            "customer-receipts/\(receipt)/allocations",
                            AllocationChange(allocations: [
                                NewAllocation(invoiceId: Int64(invoice), amountPaise: residue)
                            ]))
                    }
                    let settled = try await shop.get("reports/receivables", as: Aging.self)
                    #expect(settled.items.isEmpty && settled.totalOutstandingPaise == 0)
                }
            }
            // The vendor's ₹882 bill, unpaid; nothing dated before it.
            let payables = try await shop.get("reports/payables", as: Aging.self)
            #expect(payables.items.map(\.outstandingPaise) == [88_200])
            #expect(payables.totalOutstandingPaise == 88_200)
            let earlier = try await shop.get("reports/payables?asOf=\(Shop.date(daysFromToday: -1))", as: Aging.self)
            #expect(earlier.items.isEmpty && earlier.bucketsPaise.count == 5)
        }
    }
}
