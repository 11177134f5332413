// The sales register: per invoice (and credit note), its date, number, customer, place
// of supply, taxable value and each tax, and total.
public import ERPEvents
import ERPKernel
import ERPStore
import Foundation
public import Logging
public import PostgresNIO

/// Keeps `sales_register` from `invoice.issued`.
public struct SalesRegisterProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "sales_register"
    /// Invoices issued.
    public let eventTypes: Set<EventType>? = [SalesEvents.invoiceIssued]
    /// The tables it writes, which a rebuild replaces.
    public let tables: [ReadModelTable] = [.replaced("sales_register")]

    /// Creates the projector.
    public init() {}

    /// What the register keeps of an invoice.
    struct Entry: Decodable {
        var id: Int64
        var number: String
        var invoiceDate: String
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

    /// Adds a row per invoice; one applied twice (a retried batch) is kept once.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        let entries = try events.map { try $0.decodePayload(as: Entry.self) }
        try await transaction.query(
            """
            INSERT INTO sales_register (document_type, document_id, number, document_date, customer_id, customer_name,
                                        customer_gstin, place_of_supply, taxable_paise, cgst_paise, sgst_paise, igst_paise,
                                        round_off_paise, total_paise)
            -- Arrays carry no NULL here: 0 is no customer and '' no name or GSTIN.
            SELECT 'invoice', i, n, d::date, NULLIF(c, 0), NULLIF(b, ''), NULLIF(g, ''), p, t, cg, sg, ig, r, tot
              FROM unnest(\(entries.map(\.id))::bigint[], \(entries.map(\.number))::text[], \(entries.map(\.invoiceDate))::text[],
                          \(entries.map { $0.customerId ?? 0 })::bigint[],
                          \(entries.map { $0.recipient?.name ?? $0.buyerName ?? "" })::text[],
                          \(entries.map { $0.recipient?.gstin ?? "" })::text[],
                          \(entries.map(\.placeOfSupply))::text[], \(entries.map(\.taxable))::bigint[],
                          \(entries.map(\.cgst))::bigint[], \(entries.map(\.sgst))::bigint[], \(entries.map(\.igst))::bigint[],
                          \(entries.map(\.roundOff))::bigint[], \(entries.map(\.total))::bigint[])
                   AS e(i, n, d, c, b, g, p, t, cg, sg, ig, r, tot)
            ON CONFLICT (document_type, document_id) DO NOTHING
            """,
            logger: logger)
    }
}

extension Invariant {
    /// The register has every invoice once, with its figures, when it has caught up.
    static let salesRegisterEqualsInvoices = Invariant(
        name: "sales_register_equals_invoices",
        statement: "the sales register has each invoice once, with its number, date and figures (when it has caught up)"
    ) { transaction, limit, logger in
        let behind = try await eventsBehind(
            "sales_register", types: [SalesEvents.invoiceIssued], on: transaction, logger: logger)
        guard behind == 0 else {
            return ([], 0, "not compared: sales_register is \(behind) invoices behind the log")
        }
        let (breaches, count) = try await collect(
            """
            SELECT 'invoice ' || COALESCE(i.id, r.document_id) || ': '
                   || CASE WHEN i.id IS NULL THEN 'in the register, not issued'
                           WHEN r.document_id IS NULL THEN 'issued, not in the register'
                           ELSE 'the register says ' || r.number || ' of ' || r.document_date || ' for ' || r.total_paise
                                || ', the invoice ' || i.number || ' of ' || i.invoice_date || ' for ' || i.total_paise END,
                   count(*) OVER ()::integer
              FROM invoices i
              FULL JOIN (SELECT * FROM sales_register WHERE document_type = 'invoice') r ON r.document_id = i.id
             WHERE i.id IS NULL OR r.document_id IS NULL OR r.number <> i.number OR r.document_date <> i.invoice_date
                OR (r.taxable_paise, r.cgst_paise, r.sgst_paise, r.igst_paise, r.round_off_paise, r.total_paise)
                   <> (i.taxable_paise, i.cgst_paise, i.sgst_paise, i.igst_paise, i.round_off_paise, i.total_paise)
             ORDER BY 1
             LIMIT \(limit)
            """,
            on: transaction, logger: logger)
        return (breaches, count, nil)
    }
}
