// GSTR-3B's set-off of input credit against output tax, computed by hand: IGST credit
// first and in full, CGST and SGST credit never across each other.
import Finance
import Testing

@Suite struct TaxSetOffTests {
    typealias Taxes = GSTR3B.Taxes

    /// One 6.1 row as (liability, from IGST credit, from CGST credit, from SGST credit, cash).
    static func rows(_ payment: [GSTR3B.TaxPayment]) -> [String: [Int64]] {
        Dictionary(
            uniqueKeysWithValues: payment.map {
                ($0.tax, [$0.liabilityPaise, $0.igstCreditPaise, $0.cgstCreditPaise, $0.sgstCreditPaise, $0.cashPaise])
            })
    }

    @Test func interStatePurchasesPayIntraStateSalesThroughIGSTCreditWhereTheirOwnCreditFallsShort() {
        // A distributor buying from another state and selling in its own: ₹10 of IGST
        // credit goes to CGST up to what CGST credit cannot pay (₹6), the rest (₹4) to SGST;
        // then each tax's own credit; ₹3 of SGST is left for cash, nothing carried.
        let (payment, carried) = GSTR3B.setOff(
            output: Taxes(igst: 0, cgst: 900, sgst: 900), credit: Taxes(igst: 1_000, cgst: 300, sgst: 200))
        #expect(payment.map(\.tax) == ["igst", "cgst", "sgst"])
        #expect(
            Self.rows(payment) == [
                "igst": [0, 0, 0, 0, 0], "cgst": [900, 600, 300, 0, 0], "sgst": [900, 400, 0, 200, 300],
            ])
        #expect(carried == Taxes(igst: 0, cgst: 0, sgst: 0))
    }

    @Test func igstCreditIsUsedInFullBeforeAnyCGSTOrSGSTCredit() {
        // ₹20 of IGST credit: ₹1 against IGST, then all of CGST and SGST (₹18), though CGST
        // credit could have paid ₹5 of CGST; that ₹5 and ₹1 of IGST are carried forward.
        let (payment, carried) = GSTR3B.setOff(
            output: Taxes(igst: 100, cgst: 900, sgst: 900), credit: Taxes(igst: 2_000, cgst: 500, sgst: 0))
        #expect(
            Self.rows(payment) == [
                "igst": [100, 100, 0, 0, 0], "cgst": [900, 900, 0, 0, 0], "sgst": [900, 900, 0, 0, 0],
            ])
        #expect(carried == Taxes(igst: 100, cgst: 500, sgst: 0))
    }

    @Test func cgstAndSGSTCreditPayIGSTButNeverEachOther() {
        // CGST credit left after CGST pays IGST; SGST's shortfall is paid in cash while
        // ₹2 of CGST credit is carried forward.
        let (payment, carried) = GSTR3B.setOff(
            output: Taxes(igst: 400, cgst: 100, sgst: 500), credit: Taxes(igst: 0, cgst: 700, sgst: 100))
        #expect(
            Self.rows(payment) == [
                "igst": [400, 0, 400, 0, 0], "cgst": [100, 0, 100, 0, 0], "sgst": [500, 0, 0, 100, 400],
            ])
        #expect(carried == Taxes(igst: 0, cgst: 200, sgst: 0))
        // SGST credit pays IGST too, after SGST.
        let (sgst, left) = GSTR3B.setOff(
            output: Taxes(igst: 300, cgst: 0, sgst: 100), credit: Taxes(igst: 0, cgst: 0, sgst: 250))
        #expect(Self.rows(sgst)["igst"] == [300, 0, 0, 150, 150] && Self.rows(sgst)["sgst"] == [100, 0, 0, 100, 0])
        #expect(left == Taxes(igst: 0, cgst: 0, sgst: 0))
    }

    @Test func creditReversedBeyondWhatTheMonthTookIsPaidAsTax() {
        // The month's returns took back ₹2 more CGST credit than its bills gave.
        let (payment, carried) = GSTR3B.setOff(
            output: Taxes(igst: 0, cgst: 1_000, sgst: 1_000), credit: Taxes(igst: 0, cgst: -200, sgst: 300))
        #expect(Self.rows(payment)["cgst"] == [1_200, 0, 0, 0, 1_200])
        #expect(Self.rows(payment)["sgst"] == [1_000, 0, 0, 300, 700])
        #expect(carried == Taxes(igst: 0, cgst: 0, sgst: 0))
    }

    @Test func everyRowIsPaidInFullAndNoCreditIsSpentTwice() {
        // Over a grid of figures: credit used + carried = credit, credit used + cash =
        // liability, and cash is paid only where no credit allowed against it is left.
        let amounts: [Int64] = [0, 150, 700, 1_300]
        // Every choice of the six figures: the digits of n in base 4.
        for n in 0..<4096 {
            let f = (0..<6).map { amounts[(n >> (2 * $0)) & 3] }
            let (payment, carried) = GSTR3B.setOff(
                output: Taxes(igst: f[0], cgst: f[1], sgst: f[2]), credit: Taxes(igst: f[3], cgst: f[4], sgst: f[5]))
            let used = [\GSTR3B.TaxPayment.igstCreditPaise, \.cgstCreditPaise, \.sgstCreditPaise].map { key in
                payment.reduce(0) { $0 + $1[keyPath: key] }
            }
            #expect(used == [f[3] - carried.igst, f[4] - carried.cgst, f[5] - carried.sgst], "\(f)")
            for row in payment {
                #expect(
                    row.igstCreditPaise + row.cgstCreditPaise + row.sgstCreditPaise + row.cashPaise
                        == row.liabilityPaise)
            }
            let (i, c, s) = (payment[0], payment[1], payment[2])
            #expect(c.sgstCreditPaise == 0 && s.cgstCreditPaise == 0)
            #expect(i.cashPaise == 0 || (carried.igst == 0 && carried.cgst == 0 && carried.sgst == 0), "\(f)")
            #expect(c.cashPaise == 0 || (carried.igst == 0 && carried.cgst == 0), "\(f)")
            #expect(s.cashPaise == 0 || (carried.igst == 0 && carried.sgst == 0), "\(f)")
            // IGST credit is carried only when every liability is paid.
            #expect(carried.igst == 0 || payment.allSatisfy { $0.cashPaise == 0 }, "\(f)")
        }
    }
}
