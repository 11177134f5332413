// The sales register: per invoice (and credit note), its date, number, customer, place
// of supply, taxable value and each tax, and total.
public import ERPEvents
import ERPKernel
import ERPStore
import Foundation
public import Logging
public import PostgresNIO

/// Keeps `sales_register` from `invoice.issued` and `credit_note.issued`. A credit note's
/// figures are kept negative, so that the register's sums are what was sold net.
public struct SalesRegisterProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "sales_register"
    /// Invoices and credit notes issued.
    public let eventTypes: Set<EventType>? = [SalesEvents.invoiceIssued, SalesEvents.creditNoteIssued]
    /// The tables it writes, which a rebuild replaces.
    public let tables: [ReadModelTable] = [.replaced("sales_register")]

    /// Creates the projector.
    public init() {}

    /// What the register keeps of an invoice or a credit note.
    struct Entry: Decodable {
        var id: Int64
        var number: String
        var invoiceDate: String
        var noteDate: String?
        var customerId: Int64?
        var recipient: Recipient?
        var buyerName: String?
        var placeOfSupply: String
        var taxable: Int64
        var cgst: Int64
        var sgst: Int64
        var igst: Int64
        var roundOff: Int64
        var total: Int64
    }

    /// Who a B2B invoice was issued to.
    struct Recipient: Decodable {
        var name: String
        var gstin: String?
    }

    /// Adds a row per document; one applied twice (a retried batch) is kept once.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        let entries = try events.map { try $0.decodePayload(as: Entry.self) }
        let credit = events.map { $0.type == SalesEvents.creditNoteIssued }
        let sign = credit.map { $0 ? Int64(-1) : 1 }
        func signed(_ value: KeyPath<Entry, Int64>) -> [Int64] { zip(entries, sign).map { $0[keyPath: value] * $1 } }
        try await transaction.query(
            """
            INSERT INTO sales_register (document_type, document_id, number, document_date, customer_id, customer_name,
                                        customer_gstin, place_of_supply, taxable_paise, cgst_paise, sgst_paise, igst_paise,
                                        round_off_paise, total_paise)
            -- Arrays carry no NULL here: 0 is no customer and '' no name or GSTIN.
            SELECT k, i, n, d::date, NULLIF(c, 0), NULLIF(b, ''), NULLIF(g, ''), p, t, cg, sg, ig, r, tot
              FROM unnest(\(credit.map { $0 ? "credit_note" : "invoice" })::text[], \(entries.map(\.id))::bigint[],
                          \(entries.map(\.number))::text[], \(entries.map { $0.noteDate ?? $0.invoiceDate })::text[],
                          \(entries.map { $0.customerId ?? 0 })::bigint[],
                          \(entries.map { $0.recipient?.name ?? $0.buyerName ?? "" })::text[],
                          \(entries.map { $0.recipient?.gstin ?? "" })::text[],
                          \(entries.map(\.placeOfSupply))::text[], \(signed(\.taxable))::bigint[],
                          \(signed(\.cgst))::bigint[], \(signed(\.sgst))::bigint[], \(signed(\.igst))::bigint[],
                          \(signed(\.roundOff))::bigint[], \(signed(\.total))::bigint[])
                   AS e(k, i, n, d, c, b, g, p, t, cg, sg, ig, r, tot)
            ON CONFLICT (document_type, document_id) DO NOTHING
            """,
            logger: logger)
    }
}

extension Invariant {
    /// The register has every invoice once, with its figures, when it has caught up.
    static let salesRegisterEqualsInvoices = Invariant(
        name: "sales_register_equals_invoices",
        statement:
            "the sales register has each invoice and credit note once, with its number, date and figures (a credit note's negative) (when it has caught up)"
    ) { transaction, limit, logger in
        let behind = try await eventsBehind(
            "sales_register", types: [SalesEvents.invoiceIssued, SalesEvents.creditNoteIssued], on: transaction,
            logger: logger)
        guard behind == 0 else {
            return ([], 0, "not compared: sales_register is \(behind) documents behind the log")
        }
        let (breaches, count) = try await collect(
            """
            WITH documents AS (
                SELECT 'invoice' AS document_type, id, number, invoice_date AS document_date, taxable_paise, cgst_paise,
                       sgst_paise, igst_paise, round_off_paise, total_paise
                  FROM invoices
                UNION ALL
                SELECT 'credit_note', id, number, note_date, -taxable_paise, -cgst_paise, -sgst_paise, -igst_paise,
                       -round_off_paise, -total_paise
                  FROM credit_notes)
            SELECT COALESCE(i.document_type, r.document_type) || ' ' || COALESCE(i.id, r.document_id) || ': '
                   || CASE WHEN i.id IS NULL THEN 'in the register, not issued'
                           WHEN r.document_id IS NULL THEN 'issued, not in the register'
                           ELSE 'the register says ' || r.number || ' of ' || r.document_date || ' for ' || r.total_paise
                                || ', the document ' || i.number || ' of ' || i.document_date || ' for ' || i.total_paise END,
                   count(*) OVER ()::integer
              FROM documents i
              FULL JOIN sales_register r ON (r.document_type, r.document_id) = (i.document_type, i.id)
             WHERE i.id IS NULL OR r.document_id IS NULL OR r.number <> i.number OR r.document_date <> i.document_date
                OR (r.taxable_paise, r.cgst_paise, r.sgst_paise, r.igst_paise, r.round_off_paise, r.total_paise)
                   <> (i.taxable_paise, i.cgst_paise, i.sgst_paise, i.igst_paise, i.round_off_paise, i.total_paise)
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }
}
