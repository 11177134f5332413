// The tax rules of a sales line and a document, table by table, with figures computed
// by hand; financial years, document numbers and amounts in words.
import ERPKernel
import Foundation
import Testing

@Suite struct InvoiceArithmeticTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var quantity: Int64
        var price: Int64
        var discount: LineDiscount = .none
        var basis: PriceBasis
        var rate: Int64
        var interState: Bool
        /// taxable, CGST, SGST, IGST, line total, in paise.
        var expected: (taxable: Int64, cgst: Int64, sgst: Int64, igst: Int64, total: Int64)
        var testDescription: String { name }
    }

    static let exclusive: [Case] = [
        // 10 × ₹12.35 = ₹123.50; 2.5 % of it is 308.75 paise → 309 each.
        Case(
            name: "intra 5%", quantity: 10, price: 1235, basis: .exclusive, rate: 500, interState: false,
            expected: (12350, 309, 309, 0, 12968)),
        // 3 × ₹100 less 10 % = ₹270; 2.5 % = ₹6.75 each.
        Case(
            name: "intra 5%, 10% off", quantity: 3, price: 10000, discount: .percent(basisPoints: 1000),
            basis: .exclusive, rate: 500, interState: false, expected: (27000, 675, 675, 0, 28350)),
        // ₹9.99 less 55 paise = ₹9.44; 2.5 % = 23.6 → 24 each.
        Case(
            name: "intra 5%, 55 paise off", quantity: 1, price: 999, discount: .amount(Money(paise: 55)),
            basis: .exclusive, rate: 500, interState: false, expected: (944, 24, 24, 0, 992)),
        // Each component is rounded on its own: 2.5 % of 20 paise is 0.5 → 1, twice; the
        // whole 5 % (1 paisa) split would have given 1 and 0.
        Case(
            name: "intra 5%, components rounded each", quantity: 2, price: 10, basis: .exclusive, rate: 500,
            interState: false, expected: (20, 1, 1, 0, 22)),
        // 7 × ₹19.99 = ₹139.93; 12 % = 1679.16 → 1679.
        Case(
            name: "inter 12%", quantity: 7, price: 1999, basis: .exclusive, rate: 1200, interState: true,
            expected: (13993, 0, 0, 1679, 15672)),
        // 4 × ₹13.37 = ₹53.48; 5 % = 267.4 → 267.
        Case(
            name: "inter 5%", quantity: 4, price: 1337, basis: .exclusive, rate: 500, interState: true,
            expected: (5348, 0, 0, 267, 5615)),
    ]

    static let inclusive: [Case] = [
        // ₹105 with 5 % in it: ₹100 taxable, ₹2.50 each.
        Case(
            name: "intra 5%, even", quantity: 1, price: 10500, basis: .inclusive, rate: 500, interState: false,
            expected: (10000, 250, 250, 0, 10500)),
        // 3 × MRP ₹85 = ₹255; ÷ 1.05 = 24285.71 → 24286; tax 1214 → 607 + 607.
        Case(
            name: "intra 5%, three at MRP", quantity: 3, price: 8500, basis: .inclusive, rate: 500, interState: false,
            expected: (24286, 607, 607, 0, 25500)),
        // ₹99 ÷ 1.05 = 9428.57 → 9429; tax 471: CGST round(235.5) = 236, SGST the rest, 235.
        Case(
            name: "intra 5%, odd tax", quantity: 1, price: 9900, basis: .inclusive, rate: 500, interState: false,
            expected: (9429, 236, 235, 0, 9900)),
        // 2 × ₹120 less 10 % = ₹216; ÷ 1.05 = 20571.43 → 20571; tax 1029 → 515 + 514.
        Case(
            name: "intra 5%, 10% off", quantity: 2, price: 12000, discount: .percent(basisPoints: 1000),
            basis: .inclusive, rate: 500, interState: false, expected: (20571, 515, 514, 0, 21600)),
        // ₹112 with 12 % in it, to another state: ₹100 and ₹12 IGST.
        Case(
            name: "inter 12%", quantity: 1, price: 11200, basis: .inclusive, rate: 1200, interState: true,
            expected: (10000, 0, 0, 1200, 11200)),
        // ₹10 less ₹0.37 = ₹9.63 ÷ 1.18 = 816.10 → 816; tax 147 → 74 + 73.
        Case(
            name: "intra 18%, 37 paise off", quantity: 1, price: 1000, discount: .amount(Money(paise: 37)),
            basis: .inclusive, rate: 1800, interState: false, expected: (816, 74, 73, 0, 963)),
    ]

    static func check(_ line: LineTax, _ expected: Case) {
        let figures = (line.taxable.paise, line.cgst.paise, line.sgst.paise, line.igst.paise, line.total.paise)
        #expect(figures == expected.expected, "\(expected.name): \(figures)")
        #expect(line.taxable + line.tax == line.total)
    }

    static func line(_ row: Case) -> LineTax {
        LineTax(
            quantity: row.quantity, unitPrice: Money(paise: row.price), discount: row.discount, basis: row.basis,
            rateBasisPoints: row.rate, interState: row.interState)
    }

    @Test(arguments: exclusive) func exclusivePricesAddEachTaxComponentRoundedHalfUp(_ row: Case) {
        Self.check(Self.line(row), row)
    }

    @Test(arguments: inclusive) func inclusivePricesTakeTheTaxOutAndTheGrossIsKept(_ row: Case) {
        let line = Self.line(row)
        Self.check(line, row)
        #expect(line.total == line.gross - line.discount, "an inclusive price is what the buyer pays")
    }

    @Test func headerFiguresAreSumsOfTheLinesNotTheirOwnRounding() {
        // Three lines of ₹10.10 at 5 % within the state: 2.5 % is 25.25 → 25 per line, so
        // Σ CGST = 75, where rounding the header (₹30.30 × 2.5 % = 75.75) would say 76.
        let lines = (0..<3).map { _ in
            LineTax(
                quantity: 1, unitPrice: Money(paise: 1010), basis: .exclusive, rateBasisPoints: 500, interState: false)
        }
        let totals = DocumentTotals(lines)
        #expect(totals.taxable == Money(paise: 3030))
        #expect(totals.cgst == Money(paise: 75) && totals.sgst == Money(paise: 75) && totals.igst == .zero)
        #expect(totals.linesTotal == Money(paise: 3180))
        // ₹31.80 rounds up to ₹32: round-off +20 paise.
        #expect(totals.grandTotal == Money(paise: 3200) && totals.roundOff == Money(paise: 20))
    }

    @Test(arguments: [
        (12968, 13000, 32), (28350, 28400, 50), (1049, 1000, -49), (15672, 15700, 28), (500, 500, 0), (49, 0, -49),
    ])
    func theGrandTotalIsRoundedToTheRupeeHalfUp(_ exact: Int64, _ grand: Int64, _ roundOff: Int64) {
        let totals = DocumentTotals([
            LineTax(
                gross: Money(paise: exact), discount: .zero, taxable: Money(paise: exact), cgst: .zero, sgst: .zero,
                igst: .zero)
        ])
        #expect(totals.grandTotal == Money(paise: grand))
        #expect(totals.roundOff == Money(paise: roundOff))
        #expect(abs(totals.roundOff.paise) < 100)
    }

    @Test func aCalendarDateReadsAndWritesExactlyTheTextOfEveryDayFrom1900To2100() throws {
        var date = try CalendarDate("1900-01-01")
        var formatter = DateComponents()
        let calendar = Calendar(identifier: .gregorian)
        var day = calendar.date(from: DateComponents(year: 1900, month: 1, day: 1))!
        while date.year < 2101 {
            formatter = calendar.dateComponents([.year, .month, .day], from: day)
            let text = String(format: "%04d-%02d-%02d", formatter.year!, formatter.month!, formatter.day!)
            #expect(date.description == text)
            #expect(try CalendarDate(text) == date)
            date = date.adding(days: 1)
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        for text in [
            "", "2026-2-03", "2026-02-3", "2026/02/03", "20260203", "2026-02-30", "2026-13-01", "2026-00-10",
            "0999-01-01", "+026-01-01", "2026-01-0a", "２０２６-01-01", "2026-01-01 ", " 2026-01-01", "2026-01-001",
        ] {
            #expect(throws: CalendarDate.Problem.self, "\(text)") { try CalendarDate(text) }
        }
        #expect(try CalendarDate(String("x2024-02-29".dropFirst())).description == "2024-02-29")
    }

    @Test func aFinancialYearRunsFromAprilToMarch() throws {
        #expect(FinancialYear(containing: try CalendarDate("2026-03-31")).label == "2025-26")
        #expect(FinancialYear(containing: try CalendarDate("2026-04-01")).label == "2026-27")
        #expect(FinancialYear(containing: try CalendarDate("2026-12-31")).label == "2026-27")
        #expect(FinancialYear(containing: try CalendarDate("2027-01-01")).startYear == 2026)
        #expect(FinancialYear(startYear: 2099).label == "2099-00")
        #expect(FinancialYear(startYear: 2026).shortLabel == "26-27")
        #expect(FinancialYear(startYear: 2026).firstDay.description == "2026-04-01")
        #expect(FinancialYear(startYear: 2026).lastDay.description == "2027-03-31")
    }

    @Test(arguments: ["INV/26-27/000123", "inv-1", "A", "CN/2026/9", "SINV-CFY-00067"])
    func documentNumbersAreKeptUpperCase(_ text: String) throws {
        #expect(try DocumentNumber(text).value == text.uppercased())
    }

    @Test(arguments: ["", "0INV1", "/INV1", "-INV1", "INV/26-27/0001234", "INV 1", "INV_1", "INV#1", "ІNV1"])
    func otherDocumentNumbersAreRefused(_ text: String) {
        #expect(throws: DocumentNumber.Problem.self) { try DocumentNumber(text) }
    }

    @Test func aNumberIsItsSeriesPrefixAndAPaddedSequence() throws {
        #expect(try DocumentNumber(prefix: "INV/26-27/", sequence: 123, width: 6).value == "INV/26-27/000123")
        #expect(try DocumentNumber(prefix: "cs", sequence: 1_234_567, width: 6).value == "CS1234567")
        #expect(throws: DocumentNumber.Problem.self) {
            try DocumentNumber(prefix: "INV/26-27/", sequence: 1_000_000, width: 6)
        }
    }

    @Test(arguments: [
        (12_345_678, "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise Only"),
        (1_000_000_000, "Rupees One Crore Only"),
        (
            123_456_789_05,
            "Rupees Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine and Five Paise Only"
        ),
        (0, "Rupees Zero Only"), (10_000, "Rupees One Hundred Only"), (1_101, "Rupees Eleven and One Paise Only"),
        (100_000_000_000_000, "Rupees One Lakh Crore Only"), (-250, "Minus Rupees Two and Fifty Paise Only"),
    ])
    func amountsInWordsUseLakhAndCrore(_ paise: Int64, _ words: String) {
        #expect(Money(paise: paise).inWords == words)
    }

    @Test(arguments: [
        (0, "0.00"), (5, "0.05"), (99_999, "999.99"), (100_000, "1,000.00"), (12_345_678, "1,23,456.78"),
        (1_234_567_890, "1,23,45,678.90"), (-250_000, "-2,500.00"),
    ])
    func amountsAreGroupedTheIndianWay(_ paise: Int64, _ text: String) {
        #expect(Money(paise: paise).indianFormatted == text)
    }

    @Test func everyPlaceHasItsName() {
        #expect(StateCode.name("27") == "Maharashtra")
        #expect(StateCode.name("38") == "Ladakh")
        #expect(StateCode.name("97") == "Other Territory")
        #expect(StateCode.name("99") == nil)
        #expect((1...38).allSatisfy { StateCode.name(String(format: "%02d", $0)) != nil })
    }
}
