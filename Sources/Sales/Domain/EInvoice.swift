// The e-invoice of a B2B tax invoice: the INV-01 (schema 1.1) JSON the Invoice
// Registration Portal takes, the offline checks the portal applies that most often fail,
// and the IRN computed locally. Submitting it is out of scope (no network).
import ERPKernel
public import Foundation

/// An INV-01 version 1.1 document. Keys are the portal's: each property's name with its
/// first letter upper-cased (``encoder``).
public struct EInvoice: Sendable, Codable, Equatable {
    /// Always "1.1".
    public var version = "1.1"
    /// The transaction: GST, B2B, no reverse charge, no IGST on an intra-state supply.
    public var tranDtls = Transaction()
    /// Type, number and date.
    public var docDtls: Document
    /// The supplier.
    public var sellerDtls: Party
    /// The recipient.
    public var buyerDtls: Party
    /// The lines.
    public var itemList: [Item]
    /// The totals.
    public var valDtls: Totals
    /// On a credit note: the invoice it corrects.
    public var refDtls: References?

    /// `TranDtls`.
    public struct Transaction: Sendable, Codable, Equatable {
        /// `TaxSch`: the tax scheme.
        public var taxSch = "GST"
        /// `SupTyp`: the supply type.
        public var supTyp = "B2B"
        /// `RegRev`: reverse charge.
        public var regRev = "N"
        /// `IgstOnIntra`: IGST on an intra-state supply.
        public var igstOnIntra = "N"
    }

    /// `DocDtls`.
    public struct Document: Sendable, Codable, Equatable {
        /// INV, CRN or DBN.
        public var typ: String
        /// The document number, at most 16 characters.
        public var no: String
        /// DD/MM/YYYY.
        public var dt: String
    }

    /// `SellerDtls` / `BuyerDtls`.
    public struct Party: Sendable, Codable, Equatable {
        /// `Gstin`: the GSTIN.
        public var gstin: String
        /// `LglNm`: the legal name.
        public var lglNm: String
        /// `TrdNm`: the trade name.
        public var trdNm: String?
        /// `Addr1`: the address.
        public var addr1: String
        /// `Addr2`: the address, second line.
        public var addr2: String?
        /// `Loc`: the place.
        public var loc: String
        /// `Pin`: the PIN code.
        public var pin: Int?
        /// `Stcd`: the state code.
        public var stcd: String
        /// `Ph`: the phone number, digits only.
        public var ph: String?
        /// `Em`: the email address.
        public var em: String?
        /// The buyer's place of supply.
        public var pos: String?
    }

    /// One of `ItemList`.
    public struct Item: Sendable, Codable, Equatable {
        /// `SlNo`: the line number.
        public var slNo: String
        /// `PrdDesc`: the description.
        public var prdDesc: String
        /// `IsServc`: a service (N: goods).
        public var isServc = "N"
        /// `HsnCd`: the HSN code.
        public var hsnCd: String
        /// `Qty`: the quantity.
        public var qty: Decimal
        /// `Unit`: the unit (UQC).
        public var unit: String
        /// `UnitPrice`: the price per unit before tax, in rupees.
        public var unitPrice: Decimal
        /// `TotAmt`: quantity × unit price.
        public var totAmt: Decimal
        /// `Discount`: the discount.
        public var discount: Decimal
        /// `AssAmt`: the taxable value: TotAmt − Discount.
        public var assAmt: Decimal
        /// For intra-state supplies the sum of the CGST and SGST rates.
        public var gstRt: Decimal
        /// `IgstAmt`: IGST.
        public var igstAmt: Decimal
        /// `CgstAmt`: CGST.
        public var cgstAmt: Decimal
        /// `SgstAmt`: SGST.
        public var sgstAmt: Decimal
        /// `CesAmt`: cess.
        public var cesAmt: Decimal = 0
        /// `OthChrg`: other charges.
        public var othChrg: Decimal = 0
        /// `TotItemVal`: the taxable value with its taxes.
        public var totItemVal: Decimal
        /// `BchDtls`: the batch.
        public var bchDtls: Batch
    }

    /// `BchDtls`.
    public struct Batch: Sendable, Codable, Equatable {
        /// At most 20 characters.
        public var nm: String
        /// DD/MM/YYYY.
        public var expDt: String
    }

    /// `ValDtls`.
    public struct Totals: Sendable, Codable, Equatable {
        /// `AssVal`: Σ AssAmt.
        public var assVal: Decimal
        /// `CgstVal`: Σ CGST.
        public var cgstVal: Decimal
        /// `SgstVal`: Σ SGST.
        public var sgstVal: Decimal
        /// `IgstVal`: Σ IGST.
        public var igstVal: Decimal
        /// `CesVal`: Σ cess.
        public var cesVal: Decimal = 0
        /// A discount on the whole invoice (line discounts are in each item's).
        public var discount: Decimal = 0
        /// `OthChrg`: other charges.
        public var othChrg: Decimal = 0
        /// `RndOffAmt`: the round-off.
        public var rndOffAmt: Decimal
        /// `TotInvVal`: the invoice total.
        public var totInvVal: Decimal
    }

    /// `RefDtls`.
    public struct References: Sendable, Codable, Equatable {
        /// `PrecDocDtls`: the documents corrected.
        public var precDocDtls: [PrecedingDocument]
    }

    /// One of `PrecDocDtls`.
    public struct PrecedingDocument: Sendable, Codable, Equatable {
        /// `InvNo`: the invoice number.
        public var invNo: String
        /// `InvDt`: the invoice date, DD/MM/YYYY.
        public var invDt: String
    }

    /// Writes the portal's keys (`Version`, `TranDtls`, …), sorted, so that the same
    /// document is always the same text.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            let key = path.last?.stringValue ?? ""
            return PortalKey(stringValue: key.prefix(1).uppercased() + key.dropFirst())
        }
        return encoder
    }

    /// Reads the portal's keys.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            let key = path.last?.stringValue ?? ""
            return PortalKey(stringValue: key.prefix(1).lowercased() + key.dropFirst())
        }
        return decoder
    }

    private struct PortalKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension EInvoice {
    /// Why `invoice` has no e-invoice: e-invoices are for B2B supplies to a registered
    /// recipient; `nil` when it has one.
    public static func refusal(of invoice: InvoiceDocument) -> String? {
        guard invoice.kind == "b2b" else {
            return
                "invoice \(invoice.number) is a counter sale to an unregistered buyer (B2C): e-invoices are issued for B2B supplies only"
        }
        guard invoice.recipient?.gstin != nil else {
            return
                "invoice \(invoice.number)'s customer has no GSTIN (an unregistered buyer, B2C): e-invoices are issued for B2B supplies only"
        }
        return nil
    }

    /// The e-invoice of B2B `invoice` (``refusal(of:)`` says when there is none).
    ///
    /// Text the portal refuses (`"` and `\`) is replaced (`'`) or dropped; everything else
    /// is as the invoice has it, so ``problems`` finds what the portal would refuse.
    public init(_ invoice: InvoiceDocument) {
        let supplier = invoice.supplier
        let recipient = invoice.recipient
        let address = recipient?.address ?? ""
        docDtls = Document(typ: "INV", no: invoice.number, dt: Self.date(invoice.invoiceDate))
        sellerDtls = Party(
            gstin: supplier.gstin ?? "", lglNm: Self.text(supplier.legalName ?? ""),
            trdNm: supplier.tradeName.map(Self.text), addr1: Self.text(supplier.addressLine1 ?? ""),
            addr2: supplier.addressLine2.map(Self.text), loc: Self.text(supplier.city ?? ""),
            pin: supplier.pincode.flatMap { Int($0) }, stcd: supplier.stateCode ?? "",
            ph: supplier.phone.map(Self.digits),
            em: supplier.email.map(Self.text), pos: nil)
        buyerDtls = Party(
            gstin: recipient?.gstin ?? "", lglNm: Self.text(recipient?.name ?? ""), trdNm: nil,
            addr1: Self.text(String(address.prefix(100))), addr2: nil,
            loc: StateCode.name(invoice.placeOfSupply) ?? invoice.placeOfSupply,
            pin: Self.pincode(in: address), stcd: recipient?.stateCode ?? invoice.placeOfSupply,
            ph: recipient?.phone.map(Self.digits), em: nil, pos: invoice.placeOfSupply)
        itemList = invoice.lines.map { line in
            let gross = line.unitPrice * line.quantity
            return Item(
                slNo: String(line.lineNumber), prdDesc: Self.text(line.description), hsnCd: line.hsnCode,
                qty: Decimal(line.quantity), unit: line.unit, unitPrice: Self.rupees(line.unitPrice),
                totAmt: Self.rupees(gross), discount: Self.rupees(line.discount), assAmt: Self.rupees(line.taxable),
                gstRt: Decimal(line.gstRate) / 100, igstAmt: Self.rupees(line.igst), cgstAmt: Self.rupees(line.cgst),
                sgstAmt: Self.rupees(line.sgst),
                totItemVal: Self.rupees(line.taxable + line.cgst + line.sgst + line.igst),
                bchDtls: Batch(nm: line.batchNumber, expDt: Self.date(line.expiresOn)))
        }
        valDtls = Totals(
            assVal: Self.rupees(invoice.taxable), cgstVal: Self.rupees(invoice.cgst),
            sgstVal: Self.rupees(invoice.sgst),
            igstVal: Self.rupees(invoice.igst), rndOffAmt: Self.rupees(invoice.roundOff),
            totInvVal: Self.rupees(invoice.total))
    }

    /// The Invoice Reference Number the portal would give it.
    public var irn: String {
        let parts = docDtls.dt.split(separator: "/").compactMap { Int($0) }
        let date = parts.count == 3 ? try? CalendarDate(year: parts[2], month: parts[1], day: parts[0]) : nil
        return InvoiceReferenceNumber.of(
            supplierGSTIN: sellerDtls.gstin, financialYear: FinancialYear(containing: date ?? .standIn),
            documentType: docDtls.typ, number: docDtls.no)
    }

    /// What the portal would refuse, as its checks say it (empty when none).
    public var problems: [String] {
        var found: [String] = []
        for item in itemList {
            let at = "item \(item.slNo)"
            if item.assAmt != item.totAmt - item.discount {
                found.append(
                    "\(at): AssAmt \(item.assAmt) is not TotAmt \(item.totAmt) − Discount \(item.discount) (2193)")
            }
            if ![6, 8].contains(item.hsnCd.count) {
                found.append("\(at): HSN \(item.hsnCd) has \(item.hsnCd.count) digits; an e-invoice needs 6 or 8")
            }
            if item.bchDtls.nm.count > 20 {
                found.append("\(at): batch \(item.bchDtls.nm) is longer than 20 characters")
            }
            if item.totItemVal != item.assAmt + item.igstAmt + item.cgstAmt + item.sgstAmt + item.cesAmt + item.othChrg
            {
                found.append("\(at): TotItemVal \(item.totItemVal) is not AssAmt plus its taxes and charges")
            }
        }
        if !(1...1000).contains(itemList.count) { found.append("ItemList has \(itemList.count) items; 1 to 1000") }
        let sum = { (value: (Item) -> Decimal) in self.itemList.reduce(Decimal(0)) { $0 + value($1) } }
        for (name, header, items) in [
            ("AssVal", valDtls.assVal, sum(\.assAmt)), ("CgstVal", valDtls.cgstVal, sum(\.cgstAmt)),
            ("SgstVal", valDtls.sgstVal, sum(\.sgstAmt)), ("IgstVal", valDtls.igstVal, sum(\.igstAmt)),
            ("CesVal", valDtls.cesVal, sum(\.cesAmt)),
        ] where header != items {
            found.append("\(name) \(header) is not the sum of the items' \(items) (2182)")
        }
        let expected = sum(\.totItemVal) + valDtls.othChrg - valDtls.discount + valDtls.rndOffAmt
        if abs(valDtls.totInvVal - expected) > 1 {
            found.append("TotInvVal \(valDtls.totInvVal) is more than ₹1 from the items' total \(expected) (2189)")
        }
        if abs(valDtls.rndOffAmt) > Decimal(string: "99.99") ?? 0 {
            found.append("RndOffAmt \(valDtls.rndOffAmt) is outside ±99.99")
        }
        let intraState = sellerDtls.stcd == (buyerDtls.pos ?? buyerDtls.stcd)
        if intraState, tranDtls.igstOnIntra == "N", itemList.contains(where: { $0.igstAmt != 0 }) {
            found.append("IGST on an intra-state supply (2172)")
        }
        if !intraState, itemList.contains(where: { $0.cgstAmt != 0 || $0.sgstAmt != 0 }) {
            found.append("CGST and SGST on an inter-state supply")
        }
        if docDtls.no.count > 16 { found.append("DocDtls.No \(docDtls.no) is longer than 16 characters") }
        if buyerDtls.pin == nil {
            found.append("BuyerDtls.Pin: the customer's address has no 6-digit PIN code")
        }
        if sellerDtls.pin == nil { found.append("SellerDtls.Pin: the company profile has no PIN code") }
        for (field, text) in strings where text.contains("\"") || text.contains("\\") {
            found.append("\(field) holds a \" or \\, which the portal refuses")
        }
        return found
    }

    /// Every text field, named.
    var strings: [(String, String)] {
        var all: [(String, String)] = [("DocDtls.No", docDtls.no)]
        for (name, party) in [("SellerDtls", sellerDtls), ("BuyerDtls", buyerDtls)] {
            all += [
                ("\(name).LglNm", party.lglNm), ("\(name).Addr1", party.addr1), ("\(name).Loc", party.loc),
                ("\(name).TrdNm", party.trdNm ?? ""), ("\(name).Addr2", party.addr2 ?? ""),
                ("\(name).Em", party.em ?? ""),
            ]
        }
        for item in itemList {
            all += [("item \(item.slNo).PrdDesc", item.prdDesc), ("item \(item.slNo).BchDtls.Nm", item.bchDtls.nm)]
        }
        return all
    }

    static func rupees(_ paise: Int64) -> Decimal { Decimal(paise) / 100 }

    static func date(_ date: CalendarDate) -> String {
        String(format: "%02d/%02d/%04d", date.day, date.month, date.year)
    }

    /// `"` becomes `'`, `\` goes: the portal refuses both.
    static func text(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "")
    }

    static func digits(_ phone: String) -> String { phone.filter(\.isNumber) }

    /// The last 6-digit PIN code (not starting with 0) in `address`.
    static func pincode(in address: String) -> Int? {
        let words = address.split { !$0.isNumber }
        return words.last { $0.count == 6 && $0.first != "0" }.flatMap { Int($0) }
    }
}
