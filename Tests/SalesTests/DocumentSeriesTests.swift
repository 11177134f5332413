// Document numbers on a real database: consecutive under concurrency, none consumed by a
// rollback, a new sequence each 1 April; and the e-invoice IRN's test vectors.
import ERPKernel
import ERPStore
import ERPTestSupport
import Foundation
import PostgresNIO
import Sales
import Testing

@Suite struct DocumentSeriesTests {
    static func take(
        _ series: DocumentSeries, prefix: String = "INV/", on date: String, _ test: TestDatabase,
        thenFail: Bool = false
    ) async throws -> String {
        try await test.withConnection { connection in
            try await connection.inTransaction(logger: test.logger) { transaction in
                let context = CommandContext(actor: "test", requestID: "series", logger: test.logger)
                let number = try await series.next(
                    prefix: prefix, on: try CalendarDate(date), transaction: transaction, context: context)
                if thenFail { throw SetupError("rolled back after taking \(number)") }
                return number.value
            }
        }
    }

    @Test func twentyConcurrentInvoicesGetTwentyConsecutiveNumbers() async throws {
        try await TestDatabase.withDatabase { test in
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await Self.take(.invoice, on: "2026-12-02", test) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(numbers.sorted() == (1...20).map { String(format: "INV/26-27/%06d", $0) })
        }
    }

    @Test func aRolledBackInvoiceConsumesNoNumber() async throws {
        try await TestDatabase.withDatabase { test in
            let number1 = try await Self.take(.invoice, on: "2026-12-02", test)
            #expect(number1 == "INV/26-27/000001")
            await #expect(throws: SetupError.self) {
                try await Self.take(.invoice, on: "2026-12-02", test, thenFail: true)
            }
            let number2 = try await Self.take(.invoice, on: "2026-12-02", test)
            #expect(number2 == "INV/26-27/000002")
        }
    }

    @Test func eachSeriesAndEachFinancialYearCountsFromOne() async throws {
        try await TestDatabase.withDatabase { test in
            let number3 = try await Self.take(.invoice, on: "2027-03-31", test)
            #expect(number3 == "INV/26-27/000001")
            let number4 = try await Self.take(.invoice, on: "2027-03-31", test)
            #expect(number4 == "INV/26-27/000002")
            let number5 = try await Self.take(.invoice, on: "2027-04-01", test)
            #expect(number5 == "INV/27-28/000001")
            let number6 = try await Self.take(.counterSale, prefix: "cs/", on: "2027-04-01", test)
            #expect(number6 == "CS/27-28/0000001")
            let number7 = try await Self.take(.creditNote, prefix: "CN-", on: "2027-04-01", test)
            #expect(number7 == "CN-27-28/0000001")
        }
    }

    @Test func aSeriesWhoseNumbersNoLongerFitIsRefusedNotTruncated() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.execute(
                "INSERT INTO document_series VALUES ('invoice', 2026, 999999)")
            await #expect(throws: CommandError.self) { try await Self.take(.invoice, on: "2026-12-02", test) }
        }
    }

    @Test func theIRNIsTheSHA256OfGSTINYearTypeAndNumber() {
        #expect(
            InvoiceReferenceNumber.of(
                supplierGSTIN: "29AAFCC9980M1ZR", financialYear: "2019-20", documentType: "INV", number: "2019-20/KA/1")
                == "23f498ee41441ecad30f72ba5b9907506c3df70a17b0e0dff46b76a786400662")
        #expect(
            InvoiceReferenceNumber.of(
                supplierGSTIN: "01AMBPG7773M002", financialYear: FinancialYear(startYear: 2022), documentType: "INV",
                number: "sinv-cfy-00067")
                == "706daeccda0ef6f818da78f3a2a05a1288731057373002289b46c3229289a2e7")
    }
}
