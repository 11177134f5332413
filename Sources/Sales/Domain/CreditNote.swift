// Credit notes: what a tax invoice took too much for, because goods came back or the
// price came down.
public import ERPKernel
public import Inventory

/// The body of `POST /credit-notes`.
public struct NewCreditNote: Sendable, Codable {
    /// The invoice it corrects.
    public var invoiceId: Int64
    /// `return` (goods came back) or `price_reduction` (no goods).
    public var reason: String
    /// Why, in words.
    public var note: String?
    /// What is credited; each invoice line at most once.
    public var lines: [NewCreditNoteLine]
    /// How a counter sale's buyer is paid back: `cash` (the default, from the till), `upi`
    /// or `card` (from the bank account). Not given for a B2B invoice, whose note is
    /// credited to the customer's account.
    public var refundMode: String?

    /// A credit note with these fields, as a client sends it.
    public init(
        invoiceId: Int64, reason: String, note: String? = nil, lines: [NewCreditNoteLine], refundMode: String? = nil
    ) {
        self.invoiceId = invoiceId
        self.reason = reason
        self.note = note
        self.lines = lines
        self.refundMode = refundMode
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(invoiceId > 0, "invoiceId", "must be an invoice id")
        check.require(["return", "price_reduction"].contains(reason), "reason", "must be return or price_reduction")
        check.text(note, "note", maximum: 300, required: false)
        if let refundMode {
            check.require(["cash", "upi", "card"].contains(refundMode), "refundMode", "must be cash, upi or card")
        }
        check.require((1...200).contains(lines.count), "lines", "must have 1 to 200 lines")
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            check.require(line.invoiceLine > 0, "\(field).invoiceLine", "must be a line number of the invoice")
            if reason == "return" {
                check.require(
                    (1...1_000_000).contains(line.quantity ?? 0), "\(field).quantity",
                    "is the units returned: 1 to 1000000")
                check.require(
                    line.taxablePaise == nil, "\(field).taxablePaise",
                    "a return credits what the units were invoiced at")
            } else {
                check.require(line.quantity == nil, "\(field).quantity", "a price reduction returns no goods")
                check.require(line.writeOff == nil, "\(field).writeOff", "a price reduction returns no goods")
                check.require(
                    (1...10_000_000_000).contains(line.taxablePaise ?? 0), "\(field).taxablePaise",
                    "is the reduction of the taxable value, in paise: more than 0")
            }
        }
        check.unique(
            lines.map(\.invoiceLine), field: { "lines[\($0)].invoiceLine" },
            message: { "repeats the invoice line of lines[\($0)]" })
        try check.check()
    }
}

/// One line of a credit note.
public struct NewCreditNoteLine: Sendable, Codable {
    /// The invoice's line number.
    public var invoiceLine: Int
    /// Units returned (a return).
    public var quantity: Int64?
    /// The units are damaged or expired: written off, not put back into the batch (a return).
    public var writeOff: Bool?
    /// The reduction of the line's taxable value, in paise (a price reduction); the tax
    /// comes off at the invoice's rate.
    public var taxablePaise: Int64?

    /// A line with these fields, as a client sends it.
    public init(invoiceLine: Int, quantity: Int64? = nil, writeOff: Bool? = nil, taxablePaise: Int64? = nil) {
        self.invoiceLine = invoiceLine
        self.quantity = quantity
        self.writeOff = writeOff
        self.taxablePaise = taxablePaise
    }
}

/// A credit note as the API and `credit_note.issued` show it.
public struct CreditNoteDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// Its number, in the credit note series (`CN/26-27/000001`).
    public var number: String
    /// The date of issue.
    public var noteDate: CalendarDate
    /// The calendar year of its financial year's 1 April.
    public var financialYear: Int
    /// The invoice it corrects.
    public var invoiceId: Int64
    /// That invoice's number, which the note cites.
    public var invoiceNumber: String
    /// That invoice's date.
    public var invoiceDate: CalendarDate
    /// `return` or `price_reduction`.
    public var reason: String
    /// Why, in words.
    public var note: String?
    /// The warehouse returned goods go back into.
    public var warehouseId: Int64
    /// The invoice's customer, for a B2B invoice.
    public var customerId: Int64?
    /// That customer as the invoice names them.
    public var recipient: CustomerDocument?
    /// An unregistered buyer's name, as the invoice has it.
    public var buyerName: String?
    /// The invoice's place of supply.
    public var placeOfSupply: String
    /// The company profile as it was at issue.
    public var supplier: CompanyProfile
    /// Σ taxable value credited, in paise.
    public var taxable: Int64
    /// Σ CGST credited.
    public var cgst: Int64
    /// Σ SGST credited.
    public var sgst: Int64
    /// Σ IGST credited.
    public var igst: Int64
    /// The rounding to the rupee.
    public var roundOff: Int64
    /// What is credited.
    public var total: Int64
    /// When it was issued.
    public var issuedAt: String
    /// The lines.
    public var lines: [CreditNoteLine]
    /// The returned goods put back into stock, at the cost they left with.
    public var movements: [StockMovement]
}

/// One line of a credit note.
public struct CreditNoteLine: Sendable, Codable {
    /// Its number, from 1.
    public var lineNumber: Int
    /// The invoice line it credits.
    public var invoiceLine: Int
    /// The product.
    public var productId: Int64
    /// The batch.
    public var batchId: Int64
    /// As printed on the pack.
    public var batchNumber: String
    /// Units returned; 0 on a price reduction.
    public var quantity: Int64
    /// `restock`, `write_off` or `none`.
    public var disposition: String
    /// Taxable value credited.
    public var taxable: Int64
    /// CGST credited.
    public var cgst: Int64
    /// SGST credited.
    public var sgst: Int64
    /// IGST credited.
    public var igst: Int64
    /// What the returned units cost when they left.
    public var cost: Int64
}
