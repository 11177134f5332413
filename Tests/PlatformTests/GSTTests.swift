import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPTestSupport
import Foundation
import Inventory
import MasterData
import Notifications
import Purchasing
import Testing

@Suite struct GSTTests {
    @Test(arguments: [
        "27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "07AAGFF2194N1Z1", "33AAACH7409R1Z8", "24AAACC1206D1ZM",
        " 27aapfu0939f1zv ",
    ])
    func validGSTINsAreAccepted(_ text: String) throws {
        let gstin = try GSTIN(text)
        #expect(gstin.value == text.trimmingCharacters(in: .whitespaces).uppercased())
    }

    @Test func invalidGSTINsNameTheirProblem() {
        #expect(throws: GSTIN.Problem.checkCharacter(expected: "V", found: "W")) { try GSTIN("27AAPFU0939F1ZW") }
        #expect(throws: GSTIN.Problem.length(14)) { try GSTIN("27AAPFU0939F1Z") }
        #expect(throws: GSTIN.Problem.shape) { try GSTIN("27AAPF10939F1ZV") }
        #expect(throws: GSTIN.Problem.shape) { try GSTIN("27AAPFU0939F1YV") }
        #expect(throws: GSTIN.Problem.stateCode("40")) { try GSTIN("40AAPFU0939F1ZV") }
    }

    @Test func intraStateSupplySplitsIntoCGSTAndSGST() {
        let split = GSTSplit(
            taxable: Money(paise: 10_001), rateBasisPoints: 1200, supplierState: "27", placeOfSupply: "27")
        #expect(split.total == Money(paise: 1200))
        #expect(split.cgst == Money(paise: 600) && split.sgst == Money(paise: 600) && split.igst == .zero)
        let odd = GSTSplit(
            taxable: Money(paise: 10_000), rateBasisPoints: 500, supplierState: "27", placeOfSupply: "27")
        #expect(odd.cgst + odd.sgst == Money(paise: 500))
    }

    @Test func interStateSupplyIsIGST() {
        let split = GSTSplit(
            taxable: Money(paise: 99_999), rateBasisPoints: 1800, supplierState: "27", placeOfSupply: "29")
        #expect(split.igst == Money(paise: 18_000) && split.cgst == .zero && split.sgst == .zero)
    }

    @Test(arguments: ["3004", "300490", "30049011"]) func hsnCodesOfFourSixOrEightDigits(_ code: String) throws {
        #expect(try HSNCode(code).value == code)
    }

    @Test(arguments: ["300", "30049", "3004901", "300490111", "30A4", ""]) func otherHSNCodesAreRefused(_ code: String)
    {
        #expect(throws: HSNCode.Problem.self) { try HSNCode(code) }
    }

    @Test func scalingMoneyRoundsHalfAwayFromZeroWithoutOverflow() {
        #expect(Money(paise: 5).scaled(by: 1, dividedBy: 2) == Money(paise: 3))
        #expect(Money(paise: -5).scaled(by: 1, dividedBy: 2) == Money(paise: -3))
        #expect(Money(paise: 7).scaled(by: 1, dividedBy: 3) == Money(paise: 2))
        #expect(
            Money(paise: 1_000_000_000_000_000).scaled(by: 2_800, dividedBy: 10_000)
                == Money(paise: 280_000_000_000_000))
    }

    @Test func stockValueFollowsTheMovingAverage() {
        var value = StockValue()
        value.add(3, worth: Money(paise: 100))
        #expect(value.remove(1) == Money(paise: 33))
        #expect(value.averageUnitCost == Money(paise: 34))
        #expect(value.remove(2) == Money(paise: 67))
        #expect(value == StockValue(onHand: 0, value: .zero))
    }
}
