// GSTR-1 (the month's outward supplies, in the portal's JSON keys) and the GSTR-3B summary,
// from the issued invoices, credit notes and vendor bills. Every amount is settled once,
// per line in paise, and summed from there, so every section agrees to the paisa.
import ERPKernel
import ERPStore
public import Foundation
public import Logging
public import PostgresNIO

/// Rupees as the portal writes them: a JSON number with at most two decimals, exact.
public struct Rupees: Codable, Sendable, Hashable, Comparable {
    /// The amount in paise.
    public var paise: Int64

    /// An amount.
    public init(paise: Int64) { self.paise = paise }

    /// Encodes as a decimal number of rupees.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Decimal(paise) / 100)
    }

    /// Decodes a number of rupees.
    public init(from decoder: any Decoder) throws {
        let rupees = try decoder.singleValueContainer().decode(Decimal.self)
        paise = NSDecimalNumber(decimal: rupees * 100).int64Value
    }

    /// Smaller in paise.
    public static func < (lhs: Rupees, rhs: Rupees) -> Bool { lhs.paise < rhs.paise }
    static func + (lhs: Rupees, rhs: Rupees) -> Rupees { Rupees(paise: lhs.paise + rhs.paise) }
}

/// GSTR-1 of one month, keyed as the GST portal's offline JSON.
public struct GSTR1: Codable, Sendable, Hashable {
    /// One rate's figures of an invoice or note.
    public struct ItemDetail: Codable, Sendable, Hashable {
        /// The rate in percent (5, 12, 18, 0.25 …).
        public var rt: Decimal
        /// Taxable value.
        public var txval: Rupees
        /// IGST.
        public var iamt: Rupees
        /// CGST (intra-state).
        public var camt: Rupees?
        /// SGST (intra-state).
        public var samt: Rupees?
        /// Cess: none here.
        public var csamt: Rupees
    }

    /// A numbered item: one rate of a document.
    public struct Item: Codable, Sendable, Hashable {
        /// From 1.
        public var num: Int
        /// Its figures.
        public var itm_det: ItemDetail
    }

    /// An invoice in `b2b` or `b2cl`.
    public struct Invoice: Codable, Sendable, Hashable {
        /// Its number.
        public var inum: String
        /// Its date, dd-mm-yyyy.
        public var idt: String
        /// Its total.
        public var val: Rupees
        /// Place of supply: a state code (b2b only; b2cl groups by it).
        public var pos: String?
        /// Reverse charge: `N`.
        public var rchrg: String?
        /// `R`: regular.
        public var inv_typ: String?
        /// Its rates.
        public var itms: [Item]
    }

    /// The invoices to one registered recipient.
    public struct B2B: Codable, Sendable, Hashable {
        /// The recipient's GSTIN.
        public var ctin: String
        /// The invoices.
        public var inv: [Invoice]
    }

    /// Large inter-state invoices to unregistered buyers of one place of supply.
    public struct B2CL: Codable, Sendable, Hashable {
        /// The place of supply.
        public var pos: String
        /// The invoices.
        public var inv: [Invoice]
    }

    /// The other B2C supplies of one kind, place and rate, net of their credit notes.
    public struct B2CS: Codable, Sendable, Hashable {
        /// `INTRA` or `INTER`.
        public var sply_ty: String
        /// The place of supply.
        public var pos: String
        /// `OE`: other than e-commerce.
        public var typ: String
        /// The rate in percent.
        public var rt: Decimal
        /// Taxable value.
        public var txval: Rupees
        /// IGST.
        public var iamt: Rupees
        /// CGST.
        public var camt: Rupees
        /// SGST.
        public var samt: Rupees
        /// Cess.
        public var csamt: Rupees
    }

    /// A credit note in `cdnr` or `cdnur`.
    public struct Note: Codable, Sendable, Hashable {
        /// `C`: credit note.
        public var ntty: String
        /// Its number.
        public var nt_num: String
        /// Its date, dd-mm-yyyy.
        public var nt_dt: String
        /// Its total.
        public var val: Rupees
        /// Place of supply.
        public var pos: String
        /// Reverse charge (`cdnr`): `N`.
        public var rchrg: String?
        /// `R` (`cdnr`).
        public var inv_typ: String?
        /// `B2CL` (`cdnur`).
        public var typ: String?
        /// Its rates.
        public var itms: [Item]
    }

    /// The credit notes to one registered recipient.
    public struct CDNR: Codable, Sendable, Hashable {
        /// The recipient's GSTIN.
        public var ctin: String
        /// The notes.
        public var nt: [Note]
    }

    /// One HSN summary row.
    public struct HSNRow: Codable, Sendable, Hashable {
        /// From 1.
        public var num: Int
        /// The HSN code.
        public var hsn_sc: String
        /// A description.
        public var desc: String
        /// The unit (UQC).
        public var uqc: String
        /// The quantity, net of returns.
        public var qty: Int64
        /// The rate in percent.
        public var rt: Decimal
        /// Taxable value.
        public var txval: Rupees
        /// IGST.
        public var iamt: Rupees
        /// CGST.
        public var camt: Rupees
        /// SGST.
        public var samt: Rupees
        /// Cess.
        public var csamt: Rupees
    }

    /// Table 12, split since May 2025.
    public struct HSN: Codable, Sendable, Hashable {
        /// Supplies to registered recipients.
        public var hsn_b2b: [HSNRow]
        /// Supplies to unregistered buyers.
        public var hsn_b2c: [HSNRow]
    }

    /// One series of documents issued.
    public struct DocumentSeries: Codable, Sendable, Hashable {
        /// From 1.
        public var num: Int
        /// The first number.
        public var from: String
        /// The last number.
        public var to: String
        /// How many.
        public var totnum: Int
        /// Cancelled: none (documents are corrected by credit notes, never cancelled).
        public var cancel: Int
        /// Issued less cancelled.
        public var net_issue: Int
    }

    /// One nature of document.
    public struct DocumentKind: Codable, Sendable, Hashable {
        /// 1: invoices for outward supply; 5: credit notes.
        public var doc_num: Int
        /// Its series.
        public var docs: [DocumentSeries]
    }

    /// Table 13.
    public struct DocumentIssue: Codable, Sendable, Hashable {
        /// Per nature of document.
        public var doc_det: [DocumentKind]
    }

    /// The supplier's GSTIN.
    public var gstin: String
    /// The return period, `mmyyyy`.
    public var fp: String
    /// Table 4A.
    public var b2b: [B2B]
    /// Table 5.
    public var b2cl: [B2CL]
    /// Table 7.
    public var b2cs: [B2CS]
    /// Table 9B, registered.
    public var cdnr: [CDNR]
    /// Table 9B, unregistered (of B2CL invoices).
    public var cdnur: [Note]
    /// Table 12.
    public var hsn: HSN
    /// Table 13.
    public var doc_issue: DocumentIssue

    /// Above this an inter-state invoice to an unregistered buyer is B2CL (since August 2024).
    public static let b2clThreshold: Int64 = 10_000_000

    /// One line of an invoice or credit note of the month, as the return reads it.
    struct Line {
        var note: Bool
        var id: Int64
        var number: String
        var date: CalendarDate
        var ctin: String?
        var pos: String
        var supplierState: String
        var value: Int64
        var large: Bool
        var hsn: String
        var unit: String
        var description: String
        var quantity: Int64
        var rate: Int64
        var taxable: Int64
        var igst: Int64
        var cgst: Int64
        var sgst: Int64

        var interState: Bool { pos != supplierState }
    }

    /// GSTR-1 of a month.
    public static func of(
        year: Int, month: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> GSTR1 {
        let first = try CalendarDate(year: year, month: month, day: 1)
        let next = try CalendarDate(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1)
        let rows = try await connection.rows(
            """
            WITH documents AS (
                SELECT false AS note, i.id, i.number, i.invoice_date AS date, i.recipient ->> 'gstin' AS ctin,
                       i.place_of_supply AS pos, i.supplier ->> 'stateCode' AS supplier_state, i.total_paise AS value,
                       (i.recipient ->> 'gstin' IS NULL AND i.place_of_supply <> i.supplier ->> 'stateCode'
                        AND i.total_paise > \(b2clThreshold)) AS large,
                       l.hsn_code, l.unit, l.description, l.quantity, l.gst_rate_basis_points, l.taxable_paise,
                       l.igst_paise, l.cgst_paise, l.sgst_paise, l.line_number
                  FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
                 WHERE i.invoice_date >= \(first.description)::date AND i.invoice_date < \(next.description)::date
                UNION ALL
                SELECT true, n.id, n.number, n.note_date, i.recipient ->> 'gstin', n.place_of_supply,
                       n.supplier ->> 'stateCode', n.total_paise,
                       (i.recipient ->> 'gstin' IS NULL AND i.place_of_supply <> i.supplier ->> 'stateCode'
                        AND i.total_paise > \(b2clThreshold)),
                       il.hsn_code, il.unit, il.description, nl.quantity, il.gst_rate_basis_points, nl.taxable_paise,
                       nl.igst_paise, nl.cgst_paise, nl.sgst_paise, nl.line_number
                  FROM credit_notes n
                  JOIN invoices i ON i.id = n.invoice_id
                  JOIN credit_note_lines nl ON nl.credit_note_id = n.id
                  JOIN invoice_lines il ON (il.invoice_id, il.line_number) = (n.invoice_id, nl.invoice_line)
                 WHERE n.note_date >= \(first.description)::date AND n.note_date < \(next.description)::date)
            SELECT note, id, number, date::text, ctin, pos, supplier_state, value, large, hsn_code, unit, description,
                   quantity, gst_rate_basis_points::bigint, taxable_paise, igst_paise, cgst_paise, sgst_paise
              FROM documents ORDER BY note, date, id, line_number
            """,
            as: (
                Bool, Int64, String?, String, String?, String, String?, Int64, Bool, String, String, String, Int64,
                Int64, Int64, Int64, Int64, Int64
            ).self, logger: logger)
        var lines: [Line] = []
        for row in rows {
            lines.append(
                Line(
                    note: row.0, id: row.1, number: row.2 ?? "", date: try CalendarDate(row.3), ctin: row.4,
                    pos: row.5, supplierState: row.6 ?? "", value: row.7, large: row.8, hsn: row.9, unit: row.10,
                    description: row.11, quantity: row.12, rate: row.13, taxable: row.14, igst: row.15,
                    cgst: row.16, sgst: row.17))
        }
        let gstin =
            try await connection.value(
                "SELECT COALESCE(gstin, '') FROM company_profile WHERE id = 1", as: String.self, logger: logger) ?? ""
        return GSTR1(
            lines: lines, gstin: gstin, period: String(format: "%02d%04d", month, year))
    }

    init(lines: [Line], gstin: String, period: String) {
        self.gstin = gstin
        fp = period
        let invoices = lines.filter { !$0.note }
        let notes = lines.filter(\.note)
        b2b = Self.grouped(invoices.filter { $0.ctin != nil }, by: { $0.ctin ?? "" }).map { ctin, lines in
            B2B(ctin: ctin, inv: Self.documents(lines).map { Self.invoice($0, pos: true) })
        }
        b2cl = Self.grouped(invoices.filter { $0.ctin == nil && $0.large }, by: \.pos).map { pos, lines in
            B2CL(pos: pos, inv: Self.documents(lines).map { Self.invoice($0, pos: false) })
        }
        // Credit notes of small B2C invoices are netted here, as the portal expects.
        let small = invoices.filter { $0.ctin == nil && !$0.large } + notes.filter { $0.ctin == nil && !$0.large }
        b2cs = Self.grouped(small, by: { "\($0.interState ? "INTER" : "INTRA")|\($0.pos)|\($0.rate)" }).map {
            _, lines in
            let sign = { (line: Line) in line.note ? Int64(-1) : 1 }
            let first = lines[0]
            return B2CS(
                sply_ty: first.interState ? "INTER" : "INTRA", pos: first.pos, typ: "OE",
                rt: Self.percent(first.rate),
                txval: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.taxable }),
                iamt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.igst }),
                camt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.cgst }),
                samt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.sgst }), csamt: Rupees(paise: 0))
        }
        cdnr = Self.grouped(notes.filter { $0.ctin != nil }, by: { $0.ctin ?? "" }).map { ctin, lines in
            CDNR(ctin: ctin, nt: Self.documents(lines).map { Self.note($0, registered: true) })
        }
        cdnur = Self.documents(notes.filter { $0.ctin == nil && $0.large }).map { Self.note($0, registered: false) }
        hsn = HSN(
            hsn_b2b: Self.hsnRows(lines.filter { $0.ctin != nil }),
            hsn_b2c: Self.hsnRows(lines.filter { $0.ctin == nil }))
        doc_issue = DocumentIssue(
            doc_det: [(1, invoices), (5, notes)].compactMap { kind, lines in
                let series = Self.grouped(Self.documents(lines).map { $0[0] }, by: Self.series)
                guard !series.isEmpty else { return nil }
                return DocumentKind(
                    doc_num: kind,
                    docs: series.enumerated().map { index, item in
                        let numbers = item.1.map(\.number).sorted()
                        return DocumentSeries(
                            num: index + 1, from: numbers.first ?? "", to: numbers.last ?? "", totnum: numbers.count,
                            cancel: 0, net_issue: numbers.count)
                    })
            })
    }

    /// The series of a number: all before its digits at the end (`CS/26-27/`).
    static func series(_ line: Line) -> String {
        String(line.number.reversed().drop(while: \.isNumber).reversed())
    }

    /// Groups in first-seen order.
    static func grouped<Key: Hashable>(_ lines: [Line], by key: (Line) -> Key) -> [(Key, [Line])] {
        var order: [Key] = []
        var groups: [Key: [Line]] = [:]
        for line in lines {
            let k = key(line)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(line)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    /// Lines by document, in order.
    static func documents(_ lines: [Line]) -> [[Line]] {
        grouped(lines, by: { "\($0.note)|\($0.id)" }).map(\.1)
    }

    /// A document's items: one per rate, numbered.
    static func items(_ lines: [Line]) -> [Item] {
        grouped(lines, by: \.rate).enumerated().map { index, group in
            let (rate, lines) = group
            let intra = !lines[0].interState
            return Item(
                num: index + 1,
                itm_det: ItemDetail(
                    rt: percent(rate), txval: Rupees(paise: lines.reduce(0) { $0 + $1.taxable }),
                    iamt: Rupees(paise: lines.reduce(0) { $0 + $1.igst }),
                    camt: intra ? Rupees(paise: lines.reduce(0) { $0 + $1.cgst }) : nil,
                    samt: intra ? Rupees(paise: lines.reduce(0) { $0 + $1.sgst }) : nil, csamt: Rupees(paise: 0)))
        }
    }

    static func invoice(_ lines: [Line], pos: Bool) -> Invoice {
        let first = lines[0]
        return Invoice(
            inum: first.number, idt: portalDate(first.date), val: Rupees(paise: first.value),
            pos: pos ? first.pos : nil, rchrg: pos ? "N" : nil, inv_typ: pos ? "R" : nil, itms: items(lines))
    }

    static func note(_ lines: [Line], registered: Bool) -> Note {
        let first = lines[0]
        return Note(
            ntty: "C", nt_num: first.number, nt_dt: portalDate(first.date), val: Rupees(paise: first.value),
            pos: first.pos, rchrg: registered ? "N" : nil, inv_typ: registered ? "R" : nil,
            typ: registered ? nil : "B2CL", itms: items(lines))
    }

    static func hsnRows(_ lines: [Line]) -> [HSNRow] {
        grouped(lines, by: { "\($0.hsn)|\($0.unit)|\($0.rate)" }).sorted { $0.0 < $1.0 }.enumerated().map {
            index, group in
            let lines = group.1
            let sign = { (line: Line) in line.note ? Int64(-1) : 1 }
            return HSNRow(
                num: index + 1, hsn_sc: lines[0].hsn, desc: lines[0].description, uqc: lines[0].unit,
                qty: lines.reduce(0) { $0 + sign($1) * $1.quantity }, rt: percent(lines[0].rate),
                txval: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.taxable }),
                iamt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.igst }),
                camt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.cgst }),
                samt: Rupees(paise: lines.reduce(0) { $0 + sign($1) * $1.sgst }), csamt: Rupees(paise: 0))
        }
    }

    static func percent(_ basisPoints: Int64) -> Decimal { Decimal(basisPoints) / 100 }

    static func portalDate(_ date: CalendarDate) -> String {
        let parts = date.description.split(separator: "-")
        return "\(parts[2])-\(parts[1])-\(parts[0])"
    }
}

/// The GSTR-3B summary of a month: outward supplies, input tax credit from vendor bills,
/// and the tax payable.
public struct GSTR3B: Codable, Sendable, Hashable {
    /// Taxable value and each tax.
    public struct Figures: Codable, Sendable, Hashable {
        /// Taxable value in paise.
        public var taxablePaise: Int64
        /// IGST.
        public var igstPaise: Int64
        /// CGST.
        public var cgstPaise: Int64
        /// SGST.
        public var sgstPaise: Int64
    }

    /// The month, `2026-11`.
    public var month: String
    /// 3.1(a): outward taxable supplies, invoices less credit notes.
    public var outwardTaxable: Figures
    /// 4(A)(5): input tax credit from the month's vendor bills, less what the month's
    /// purchase returns of billed units reversed.
    public var inputTaxCredit: Figures
    /// What is paid in cash per tax once the input credit is set off (``payment``).
    public var netPayable: Figures
    /// Input credit left over per tax after the set-off, carried forward.
    public var creditCarriedForward: Figures
    /// 6.1: each tax's liability and how it is paid, IGST, CGST then SGST.
    public var payment: [TaxPayment]

    /// One row of 6.1, payment of tax: a tax's liability, the credit of each tax set off
    /// against it, and the cash that pays the rest.
    public struct TaxPayment: Codable, Sendable, Hashable {
        /// `igst`, `cgst` or `sgst`.
        public var tax: String
        /// The output tax, plus any credit the month reversed beyond what it took.
        public var liabilityPaise: Int64
        /// Paid from IGST credit.
        public var igstCreditPaise: Int64
        /// Paid from CGST credit.
        public var cgstCreditPaise: Int64
        /// Paid from SGST credit.
        public var sgstCreditPaise: Int64
        /// Paid in cash.
        public var cashPaise: Int64
    }

    /// The three taxes' amounts.
    public struct Taxes: Sendable, Hashable {
        /// IGST.
        public var igst: Int64
        /// CGST.
        public var cgst: Int64
        /// SGST.
        public var sgst: Int64

        /// Creates the amounts.
        public init(igst: Int64, cgst: Int64, sgst: Int64) {
            (self.igst, self.cgst, self.sgst) = (igst, cgst, sgst)
        }
    }

    /// Sets input credit off against output tax as sections 49(5) and 49A and rule 88A
    /// have it: IGST credit first against IGST, then against CGST and SGST, and all of it
    /// before any CGST or SGST credit is used; CGST credit against CGST, then IGST; SGST
    /// credit against SGST, then IGST; never CGST credit against SGST or the reverse.
    ///
    /// The law lets IGST credit left after IGST go to CGST and SGST in any proportion; it
    /// goes first to what their own credit cannot pay (so no cash is paid while credit
    /// that could pay it is carried forward), then to CGST, then SGST.
    ///
    /// A negative credit (the month's returns reversed more than its bills gave) is
    /// added to that tax's liability instead.
    ///
    /// - Returns: The 6.1 rows (IGST, CGST, SGST) and the credit carried forward.
    public static func setOff(output: Taxes, credit: Taxes) -> (payment: [TaxPayment], carriedForward: Taxes) {
        var liability = Taxes(
            igst: max(0, output.igst) + max(0, -credit.igst), cgst: max(0, output.cgst) + max(0, -credit.cgst),
            sgst: max(0, output.sgst) + max(0, -credit.sgst))
        let due = liability
        var left = Taxes(igst: max(0, credit.igst), cgst: max(0, credit.cgst), sgst: max(0, credit.sgst))
        // paid[credit][liability]: 0 IGST, 1 CGST, 2 SGST.
        var paid = [[Int64]](repeating: [0, 0, 0], count: 3)
        func use(
            _ from: WritableKeyPath<Taxes, Int64>, _ fromIndex: Int, against: WritableKeyPath<Taxes, Int64>,
            _ againstIndex: Int, upTo cap: Int64 = .max
        ) {
            let amount = min(left[keyPath: from], liability[keyPath: against], max(0, cap))
            left[keyPath: from] -= amount
            liability[keyPath: against] -= amount
            paid[fromIndex][againstIndex] += amount
        }
        use(\.igst, 0, against: \.igst, 0)
        use(\.igst, 0, against: \.cgst, 1, upTo: liability.cgst - left.cgst)
        use(\.igst, 0, against: \.sgst, 2, upTo: liability.sgst - left.sgst)
        use(\.igst, 0, against: \.cgst, 1)
        use(\.igst, 0, against: \.sgst, 2)
        use(\.cgst, 1, against: \.cgst, 1)
        use(\.cgst, 1, against: \.igst, 0)
        use(\.sgst, 2, against: \.sgst, 2)
        use(\.sgst, 2, against: \.igst, 0)
        let rows = [("igst", \Taxes.igst, 0), ("cgst", \Taxes.cgst, 1), ("sgst", \Taxes.sgst, 2)].map {
            tax, key, index in
            TaxPayment(
                tax: tax, liabilityPaise: due[keyPath: key], igstCreditPaise: paid[0][index],
                cgstCreditPaise: paid[1][index], sgstCreditPaise: paid[2][index], cashPaise: liability[keyPath: key])
        }
        return (rows, left)
    }

    /// GSTR-3B of a month.
    public static func of(year: Int, month: Int, on connection: PostgresConnection, logger: Logger) async throws
        -> GSTR3B
    {
        let first = try CalendarDate(year: year, month: month, day: 1)
        let next = try CalendarDate(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1)
        let rows = try await connection.rows(
            """
            SELECT ((SELECT COALESCE(sum(taxable_paise), 0) FROM invoices WHERE invoice_date >= \(first.description)::date AND invoice_date < \(next.description)::date)
                 - (SELECT COALESCE(sum(taxable_paise), 0) FROM credit_notes WHERE note_date >= \(first.description)::date AND note_date < \(next.description)::date))::bigint,
                   ((SELECT COALESCE(sum(igst_paise), 0) FROM invoices WHERE invoice_date >= \(first.description)::date AND invoice_date < \(next.description)::date)
                 - (SELECT COALESCE(sum(igst_paise), 0) FROM credit_notes WHERE note_date >= \(first.description)::date AND note_date < \(next.description)::date))::bigint,
                   ((SELECT COALESCE(sum(cgst_paise), 0) FROM invoices WHERE invoice_date >= \(first.description)::date AND invoice_date < \(next.description)::date)
                 - (SELECT COALESCE(sum(cgst_paise), 0) FROM credit_notes WHERE note_date >= \(first.description)::date AND note_date < \(next.description)::date))::bigint,
                   ((SELECT COALESCE(sum(sgst_paise), 0) FROM invoices WHERE invoice_date >= \(first.description)::date AND invoice_date < \(next.description)::date)
                 - (SELECT COALESCE(sum(sgst_paise), 0) FROM credit_notes WHERE note_date >= \(first.description)::date AND note_date < \(next.description)::date))::bigint,
                   (b.taxable - r.taxable)::bigint, (b.igst - r.igst)::bigint, (b.cgst - r.cgst)::bigint,
                   (b.sgst - r.sgst)::bigint
              FROM (SELECT COALESCE(sum(taxable_paise), 0) AS taxable, COALESCE(sum(igst_paise), 0) AS igst,
                           COALESCE(sum(cgst_paise), 0) AS cgst, COALESCE(sum(sgst_paise), 0) AS sgst
                      FROM vendor_bills
                     WHERE bill_date >= \(first.description)::date AND bill_date < \(next.description)::date) b,
                   -- Billed units returned in the month take back the credit their bills gave.
                   (SELECT COALESCE(sum(l.billed_taxable_paise), 0) AS taxable, COALESCE(sum(l.igst_paise), 0) AS igst,
                           COALESCE(sum(l.cgst_paise), 0) AS cgst, COALESCE(sum(l.sgst_paise), 0) AS sgst
                      FROM purchase_returns p JOIN purchase_return_lines l ON l.return_id = p.id
                     WHERE p.returned_on >= \(first.description)::date AND p.returned_on < \(next.description)::date) r
            """,
            as: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self, logger: logger)
        let (taxable, igst, cgst, sgst, inTaxable, inIGST, inCGST, inSGST) = rows.first ?? (0, 0, 0, 0, 0, 0, 0, 0)
        let (payment, carried) = setOff(
            output: Taxes(igst: igst, cgst: cgst, sgst: sgst), credit: Taxes(igst: inIGST, cgst: inCGST, sgst: inSGST))
        return GSTR3B(
            month: String(format: "%04d-%02d", year, month),
            outwardTaxable: Figures(taxablePaise: taxable, igstPaise: igst, cgstPaise: cgst, sgstPaise: sgst),
            inputTaxCredit: Figures(taxablePaise: inTaxable, igstPaise: inIGST, cgstPaise: inCGST, sgstPaise: inSGST),
            netPayable: Figures(
                taxablePaise: taxable, igstPaise: payment[0].cashPaise, cgstPaise: payment[1].cashPaise,
                sgstPaise: payment[2].cashPaise),
            creditCarriedForward: Figures(
                taxablePaise: 0, igstPaise: carried.igst, cgstPaise: carried.cgst, sgstPaise: carried.sgst),
            payment: payment)
    }
}
