// Document numbers: gapless and consecutive per series and financial year.
import Crypto
public import ERPKernel
public import ERPStore
public import PostgresNIO

/// A series of document numbers, one sequence per financial year.
public enum DocumentSeries: String, Sendable, CaseIterable {
    /// B2B tax invoices.
    case invoice
    /// Tax invoices of counter sales.
    case counterSale = "counter_sale"
    /// Credit notes.
    case creditNote = "credit_note"

    /// The series' prefix in the company profile.
    public func prefix(in profile: CompanyProfile) -> String? {
        switch self {
        case .invoice: profile.invoicePrefix
        case .counterSale: profile.counterSalePrefix
        case .creditNote: profile.creditNotePrefix
        }
    }

    /// The number after the last one issued in this series in the financial year of
    /// `date`: `prefix`, the year (`26-27/`), and the sequence padded to fill 16
    /// characters (`INV/26-27/000123`).
    ///
    /// Call it last in the transaction: the series row stays locked until the commit, and
    /// a rollback gives the number back.
    ///
    /// - Throws: ``CommandError`` `.invalidState` when the year's numbers are used up.
    public func next(
        prefix: String, on date: CalendarDate, transaction: PostgresConnection, context: CommandContext
    ) async throws -> DocumentNumber {
        let year = FinancialYear(containing: date)
        guard
            let sequence = try await transaction.value(
                """
                INSERT INTO document_series AS s (series, financial_year, last_number)
                VALUES (\(rawValue), \(year.startYear), 1)
                ON CONFLICT (series, financial_year) DO UPDATE SET last_number = s.last_number + 1
                RETURNING last_number
                """,
                as: Int64.self, logger: context.logger)
        else { throw CommandError(.notFound, "the \(rawValue) series gave no number") }
        let head = prefix.uppercased() + year.shortLabel + "/"
        do {
            return try DocumentNumber(prefix: head, sequence: sequence, width: 16 - head.count)
        } catch {
            throw Self.usedUp(head, in: year, series: rawValue)
        }
    }

    /// Refuses an invoice when the next number of this series, in the financial year of
    /// `date`, would not fit in 16 characters. Invoices are numbered at their commit
    /// (`issue_invoice` in `triggers/sales.sql`); this reads the series without locking it,
    /// so that a used-up year is a clear refusal, not a failed commit.
    ///
    /// - Throws: ``CommandError`` `.invalidState` when the year's numbers are used up.
    public func requireRoom(
        prefix: String, on date: CalendarDate, transaction: PostgresConnection, context: CommandContext
    ) async throws {
        let year = FinancialYear(containing: date)
        let head = prefix.uppercased() + year.shortLabel + "/"
        let fits = try await transaction.preparedValue(
            """
            SELECT document_number(\(head), COALESCE(
                       (SELECT last_number FROM document_series
                         WHERE series = \(rawValue) AND financial_year = \(year.startYear)), 0) + 1) IS NOT NULL
            """,
            as: Bool.self, logger: context.logger)
        if fits != true { throw Self.usedUp(head, in: year, series: rawValue) }
    }

    private static func usedUp(_ head: String, in year: FinancialYear, series: String) -> CommandError {
        CommandError(
            .invalidState,
            "the \(series) series \(head) has used every number of \(year.label) that fits in 16 characters: choose a shorter prefix"
        )
    }
}

/// The e-invoice's Invoice Reference Number, as the portal would compute it.
public enum InvoiceReferenceNumber {
    /// Lower-case hex SHA-256 of the supplier's GSTIN, the financial year (`2026-27`),
    /// the document type (`INV`, `CRN`, `DBN`) and the number upper-cased.
    public static func of(
        supplierGSTIN: String, financialYear: FinancialYear, documentType: String, number: String
    ) -> String {
        of(supplierGSTIN: supplierGSTIN, financialYear: financialYear.label, documentType: documentType, number: number)
    }

    /// The same, with the financial year as text.
    public static func of(supplierGSTIN: String, financialYear: String, documentType: String, number: String)
        -> String
    {
        let text = supplierGSTIN + financialYear + documentType + number.uppercased()
        return SHA256.hash(data: Array(text.utf8)).hexadecimal
    }
}
