// The sales register as the API answers it: rows in date order, their totals, and CSV.
public import ERPKernel
import ERPStore
import Foundation
public import PostgresNIO

/// The invoices and credit notes from ``from`` to ``to``, as `sales_register` keeps them.
public struct SalesRegister: Sendable, Codable {
    /// One document.
    public struct Row: Sendable, Codable {
        /// `invoice` or `credit_note`.
        public var documentType: String
        /// Its id.
        public var documentId: Int64
        /// Its number.
        public var number: String
        /// Its date.
        public var date: CalendarDate
        /// The registered customer, if any.
        public var customerId: Int64?
        /// The customer's or buyer's name, when known.
        public var customerName: String?
        /// The customer's GSTIN (B2B).
        public var customerGstin: String?
        /// The place of supply's state code.
        public var placeOfSupply: String
        /// Taxable value, in paise.
        public var taxablePaise: Int64
        /// CGST, in paise.
        public var cgstPaise: Int64
        /// SGST, in paise.
        public var sgstPaise: Int64
        /// IGST, in paise.
        public var igstPaise: Int64
        /// The rounding to the rupee, in paise.
        public var roundOffPaise: Int64
        /// The document's total, in paise.
        public var totalPaise: Int64
    }

    /// The first date.
    public var from: CalendarDate
    /// The last date.
    public var to: CalendarDate
    /// The documents, by date, then type and id.
    public var rows: [Row]
    /// Σ taxable value, in paise.
    public var taxablePaise: Int64
    /// Σ CGST, in paise.
    public var cgstPaise: Int64
    /// Σ SGST, in paise.
    public var sgstPaise: Int64
    /// Σ IGST, in paise.
    public var igstPaise: Int64
    /// Σ totals, in paise.
    public var totalPaise: Int64

    /// The register of `rows`, with their sums.
    public init(from: CalendarDate, to: CalendarDate, rows: [Row]) {
        self.from = from
        self.to = to
        self.rows = rows
        taxablePaise = rows.reduce(0) { $0 + $1.taxablePaise }
        cgstPaise = rows.reduce(0) { $0 + $1.cgstPaise }
        sgstPaise = rows.reduce(0) { $0 + $1.sgstPaise }
        igstPaise = rows.reduce(0) { $0 + $1.igstPaise }
        totalPaise = rows.reduce(0) { $0 + $1.totalPaise }
    }

    /// The rows dated `from` to `to`.
    public static func rows(from: CalendarDate, to: CalendarDate, on connection: PostgresConnection, logger: Logger)
        async throws -> [Row]
    {
        try await connection.rows(
            """
            SELECT document_type, document_id, number, document_date::text, customer_id, customer_name, customer_gstin,
                   place_of_supply, taxable_paise, cgst_paise, sgst_paise, igst_paise, round_off_paise, total_paise
              FROM sales_register
             WHERE document_date BETWEEN \(from.description)::date AND \(to.description)::date
             ORDER BY document_date, document_type, document_id
            """,
            as: (
                String, Int64, String, String, Int64?, String?, String?, String, Int64, Int64, Int64, Int64, Int64,
                Int64
            )
            .self,
            logger: logger
        ).map { row in
            Row(
                documentType: row.0, documentId: row.1, number: row.2, date: (try? CalendarDate(row.3)) ?? .standIn,
                customerId: row.4, customerName: row.5, customerGstin: row.6, placeOfSupply: row.7,
                taxablePaise: row.8, cgstPaise: row.9, sgstPaise: row.10, igstPaise: row.11, roundOffPaise: row.12,
                totalPaise: row.13)
        }
    }

    /// The rows as CSV (RFC 4180), amounts in paise, a header line first.
    public var csv: String {
        var lines = [
            "date,document_type,number,customer_name,customer_gstin,place_of_supply,taxable_paise,cgst_paise,sgst_paise,igst_paise,round_off_paise,total_paise"
        ]
        for row in rows {
            let fields: [String] = [
                row.date.description, row.documentType, row.number, row.customerName ?? "", row.customerGstin ?? "",
                row.placeOfSupply, String(row.taxablePaise), String(row.cgstPaise), String(row.sgstPaise),
                String(row.igstPaise), String(row.roundOffPaise), String(row.totalPaise),
            ]
            lines.append(fields.map(Self.quoted).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A field, quoted when it holds a comma, a quote or a line break; a leading `=`, `+`,
    /// `-` or `@` is escaped so a spreadsheet does not take it for a formula.
    static func quoted(_ field: String) -> String {
        var text = field
        if let first = text.first, "=+-@".contains(first), Int64(text) == nil { text = "'" + text }
        guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
