// The print view of a tax invoice: an A4 page (original, duplicate and triplicate, Rule
// 48) or an 80 mm thermal receipt, rendered with Mustache from the invoice document.
import ERPKernel
import Foundation
import Mustache

/// How an invoice is printed.
public enum InvoiceLayout: String, Sendable, CaseIterable {
    /// A4, three copies: original for recipient, duplicate for transporter, triplicate for supplier.
    case a4
    /// An 80 mm thermal receipt, one copy.
    case receipt
}

/// Renders invoices as HTML.
public enum InvoicePrint {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are constants of this file; a parse error is a bug caught by the tests.
        try? library.register(InvoiceTemplates.lines, named: "lines")
        try? library.register(InvoiceTemplates.a4, named: "a4")
        try? library.register(InvoiceTemplates.receipt, named: "receipt")
        return library
    }()

    /// The page of `invoice` in `layout`.
    public static func html(_ invoice: InvoiceDocument, layout: InvoiceLayout) -> String {
        library.render(view(invoice), withTemplate: layout.rawValue) ?? ""
    }

    /// What the templates show: every amount formatted, every text escaped by Mustache.
    static func view(_ invoice: InvoiceDocument) -> [String: Any] {
        let supplier = invoice.supplier
        let money = { (paise: Int64) in Money(paise: paise).indianFormatted }
        let interState = invoice.placeOfSupply != supplier.stateCode
        let lines: [[String: Any]] = invoice.lines.map { line in
            [
                "number": line.lineNumber, "description": line.description, "hsn": line.hsnCode,
                "batch": line.batchNumber, "expiry": Self.monthYear(line.expiresOn),
                "manufacturer": line.manufacturer ?? "", "quantity": line.quantity, "unit": line.unit,
                "rate": money(line.unitPrice), "discount": money(line.discount), "taxable": money(line.taxable),
                "gstRate": Self.percent(line.gstRate), "halfRate": Self.percent(line.gstRate / 2),
                "cgst": money(line.cgst), "sgst": money(line.sgst), "igst": money(line.igst),
                "total": money(line.taxable + line.cgst + line.sgst + line.igst),
            ]
        }
        let address = [supplier.addressLine1, supplier.addressLine2, supplier.city, supplier.pincode].compactMap {
            $0
        }
        let copies = ["ORIGINAL FOR RECIPIENT", "DUPLICATE FOR TRANSPORTER", "TRIPLICATE FOR SUPPLIER"].map {
            ["copy": $0]
        }
        var view: [String: Any] = [
            "title": invoice.kind == "counter_sale" ? "TAX INVOICE (CASH MEMO)" : "TAX INVOICE",
            "number": invoice.number, "date": Self.dayMonthYear(invoice.invoiceDate),
            "legalName": supplier.legalName ?? "", "address": address.joined(separator: ", "),
            "gstin": supplier.gstin ?? "", "phone": supplier.phone ?? "",
            "licences": (supplier.drugLicences ?? []).map { "\($0.number) (\($0.form))" }.joined(separator: ", "),
            "placeOfSupply":
                "\(StateCode.name(invoice.placeOfSupply) ?? invoice.placeOfSupply) (\(invoice.placeOfSupply))",
            "lines": lines, "interState": interState, "intraState": !interState,
            "taxable": money(invoice.taxable), "cgst": money(invoice.cgst), "sgst": money(invoice.sgst),
            "igst": money(invoice.igst), "discount": money(invoice.discount), "roundOff": money(invoice.roundOff),
            "total": money(invoice.total), "totalInWords": Money(paise: invoice.total).inWords,
            "payments": invoice.payments.map { ["mode": $0.mode.uppercased(), "amount": money($0.amount)] },
            "copies": copies,
        ]
        if let name = invoice.buyerName { view["buyerName"] = name }
        if let phone = invoice.buyerPhone { view["buyerPhone"] = phone }
        if let address = invoice.buyerAddress { view["buyerAddress"] = address }
        if let trade = supplier.tradeName { view["tradeName"] = trade }
        // A B2B invoice names the registered recipient with their GSTIN and drug licences.
        if let recipient = invoice.recipient {
            view["recipient"] = [
                "name": recipient.name, "address": recipient.address ?? "", "gstin": recipient.gstin ?? "unregistered",
                "state": "\(StateCode.name(recipient.stateCode) ?? recipient.stateCode) (\(recipient.stateCode))",
                "licences": recipient.drugLicences.map { "\($0.number) (\($0.form))" }.joined(separator: ", "),
            ]
        }
        return view
    }

    /// `5%`, `2.5%`, from hundredths of a percent.
    static func percent(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        guard fraction != 0 else { return "\(whole)%" }
        let decimals = fraction % 10 == 0 ? String(fraction / 10) : (fraction < 10 ? "0" : "") + String(fraction)
        return "\(whole).\(decimals)%"
    }

    /// `02/12/2026`.
    static func dayMonthYear(_ date: CalendarDate) -> String {
        String(format: "%02d/%02d/%04d", date.day, date.month, date.year)
    }

    /// `03/2029`: how a pack's expiry is printed.
    static func monthYear(_ date: CalendarDate) -> String {
        String(format: "%02d/%04d", date.month, date.year)
    }
}

/// The Mustache templates of the print views.
enum InvoiceTemplates {
    /// The line table both layouts share.
    static let lines = """
        <table class="lines">
        <thead><tr><th>#</th><th>Description</th><th>HSN</th><th>Batch</th><th>Exp.</th><th>Mfr.</th>\
        <th>Qty</th><th>Rate</th><th>Disc.</th><th>Taxable</th>\
        {{#intraState}}<th>CGST</th><th>SGST</th>{{/intraState}}{{#interState}}<th>IGST</th>{{/interState}}\
        <th>Amount</th></tr></thead>
        <tbody>
        {{#lines}}<tr><td>{{number}}</td><td>{{description}}</td><td>{{hsn}}</td><td>{{batch}}</td>\
        <td>{{expiry}}</td><td>{{manufacturer}}</td><td class="n">{{quantity}} {{unit}}</td><td class="n">{{rate}}</td>\
        <td class="n">{{discount}}</td><td class="n">{{taxable}}</td>\
        {{#intraState}}<td class="n">{{halfRate}} {{cgst}}</td><td class="n">{{halfRate}} {{sgst}}</td>{{/intraState}}\
        {{#interState}}<td class="n">{{gstRate}} {{igst}}</td>{{/interState}}<td class="n">{{total}}</td></tr>
        {{/lines}}
        </tbody>
        </table>
        """

    /// A4: one page per copy.
    static let a4 = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{title}} {{number}}</title>
        <style>
        @page { size: A4; margin: 12mm; }
        body { font-family: sans-serif; font-size: 10pt; }
        .copy { page-break-after: always; }
        .copy:last-child { page-break-after: auto; }
        .mark { text-align: right; font-weight: bold; }
        table.lines { width: 100%; border-collapse: collapse; margin-top: 6mm; }
        table.lines th, table.lines td { border: 1px solid #444; padding: 2px 4px; }
        .n { text-align: right; white-space: nowrap; }
        .totals { margin-left: auto; margin-top: 4mm; }
        </style></head>
        <body>
        {{#copies}}
        <section class="copy">
        <div class="mark">{{copy}}</div>
        <h1>{{title}}</h1>
        <p><strong>{{legalName}}</strong>{{#tradeName}} ({{tradeName}}){{/tradeName}}<br>{{address}}<br>
        GSTIN: {{gstin}}{{#phone}} · Phone: {{phone}}{{/phone}}<br>Drug licences: {{licences}}</p>
        <p>Invoice No.: <strong>{{number}}</strong> · Date: {{date}}<br>
        Place of supply: {{placeOfSupply}} · Reverse charge: No</p>
        {{#buyerName}}<p>Billed to: {{buyerName}}{{#buyerAddress}}, {{buyerAddress}}{{/buyerAddress}}\
        {{#buyerPhone}} · {{buyerPhone}}{{/buyerPhone}}</p>{{/buyerName}}
        {{#recipient}}<p>Billed to: <strong>{{name}}</strong>{{#address}}, {{address}}{{/address}}<br>\
        GSTIN: {{gstin}} · State: {{state}}<br>Drug licences: {{licences}}</p>{{/recipient}}
        {{> lines}}
        <table class="totals">
        <tr><td>Taxable value</td><td class="n">{{taxable}}</td></tr>
        {{#intraState}}<tr><td>CGST</td><td class="n">{{cgst}}</td></tr>\
        <tr><td>SGST</td><td class="n">{{sgst}}</td></tr>{{/intraState}}
        {{#interState}}<tr><td>IGST</td><td class="n">{{igst}}</td></tr>{{/interState}}
        <tr><td>Round off</td><td class="n">{{roundOff}}</td></tr>
        <tr><td><strong>Total (₹)</strong></td><td class="n"><strong>{{total}}</strong></td></tr>
        </table>
        <p>{{totalInWords}}</p>
        {{#payments}}<p>Paid by {{mode}}: {{amount}}</p>{{/payments}}
        <p>This is a computer-generated invoice. For {{legalName}}: Authorised signatory</p>
        </section>
        {{/copies}}
        </body></html>
        """

    /// An 80 mm thermal receipt.
    static let receipt = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{title}} {{number}}</title>
        <style>
        @page { size: 80mm auto; margin: 3mm; }
        body { font-family: monospace; font-size: 9pt; width: 74mm; }
        table.lines { width: 100%; border-collapse: collapse; font-size: 8pt; }
        table.lines th, table.lines td { padding: 1px; }
        .n { text-align: right; }
        </style></head>
        <body>
        <p><strong>{{legalName}}</strong><br>{{address}}<br>GSTIN: {{gstin}}<br>D.L.: {{licences}}</p>
        <p>{{title}}<br>No. {{number}} · {{date}}<br>Place of supply: {{placeOfSupply}}</p>
        {{#buyerName}}<p>{{buyerName}}{{#buyerPhone}} · {{buyerPhone}}{{/buyerPhone}}</p>{{/buyerName}}
        {{#recipient}}<p>{{name}}<br>GSTIN: {{gstin}}<br>D.L.: {{licences}}</p>{{/recipient}}
        {{> lines}}
        <p class="n">Taxable {{taxable}}<br>{{#intraState}}CGST {{cgst}} · SGST {{sgst}}{{/intraState}}\
        {{#interState}}IGST {{igst}}{{/interState}}<br>Round off {{roundOff}}<br><strong>TOTAL ₹ {{total}}</strong></p>
        <p>{{totalInWords}}</p>
        {{#payments}}<p>{{mode}} {{amount}}</p>{{/payments}}
        <p>Thank you. This is a computer-generated invoice.</p>
        </body></html>
        """
}
