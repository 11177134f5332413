// Counter sales and the tax invoices they issue.
public import ERPKernel
public import Inventory

/// The body of `POST /counter-sales`: what a walk-in customer buys and how they pay.
public struct CounterSale: Sendable, Codable {
    /// The warehouse (the shop) the stock leaves.
    public var warehouseId: Int64
    /// What is sold.
    public var lines: [CounterSaleLine]
    /// How it is paid: the amounts add up to the invoice's total.
    public var payments: [CounterPayment]
    /// The buyer's name, when given (required from ₹50,000 of taxable value).
    public var customerName: String?
    /// The buyer's phone number.
    public var customerPhone: String?
    /// The buyer's address (required from ₹50,000 of taxable value).
    public var customerAddress: String?
    /// Where the goods go when not over the counter: the place of supply; the
    /// company's state when left out.
    public var deliveryStateCode: String?

    /// A sale with these fields, as a client sends it.
    public init(
        warehouseId: Int64, lines: [CounterSaleLine], payments: [CounterPayment], customerName: String? = nil,
        customerPhone: String? = nil, customerAddress: String? = nil, deliveryStateCode: String? = nil
    ) {
        self.warehouseId = warehouseId
        self.lines = lines
        self.payments = payments
        self.customerName = customerName
        self.customerPhone = customerPhone
        self.customerAddress = customerAddress
        self.deliveryStateCode = deliveryStateCode
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(warehouseId > 0, "warehouseId", "must be a warehouse id")
        check.require((1...200).contains(lines.count), "lines", "must have 1 to 200 lines")
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            check.require(line.productId > 0, "\(field).productId", "must be a product id")
            check.require((1...100_000).contains(line.quantity), "\(field).quantity", "must be between 1 and 100000")
            if let price = line.unitPrice {
                check.require((0...100_000_000).contains(price), "\(field).unitPrice", "must be 0 to 100000000 paise")
            }
            if let percent = line.discountPercentBasisPoints {
                check.require(
                    (0...10_000).contains(percent), "\(field).discountPercentBasisPoints",
                    "must be 0 to 10000 (100 %)")
            }
            if let amount = line.discountPaise {
                check.require(amount >= 0, "\(field).discountPaise", "must not be negative")
            }
            if line.discountPaise != nil, line.discountPercentBasisPoints != nil {
                check.fail("\(field).discountPaise", "give the discount as a percentage or as an amount, not both")
            }
        }
        check.require((1...5).contains(payments.count), "payments", "must have 1 to 5 payments")
        for (index, payment) in payments.enumerated() {
            let field = "payments[\(index)]"
            check.require(
                ["cash", "upi", "card"].contains(payment.mode), "\(field).mode", "must be cash, upi or card")
            check.require(payment.amountPaise > 0, "\(field).amountPaise", "must be more than 0")
            if payment.mode != "cash" {
                check.text(payment.reference, "\(field).reference", maximum: 64)
            }
        }
        check.text(customerName, "customerName", maximum: 200, required: false)
        check.text(customerAddress, "customerAddress", maximum: 300, required: false)
        if let customerPhone { check.require(PartyRules.isPhone(customerPhone), "customerPhone", PartyRules.phoneRule) }
        if let deliveryStateCode {
            check.require(StateCode.isPlace(deliveryStateCode), "deliveryStateCode", StateCode.placeRule)
        }
        try check.check()
    }
}

/// One line of a counter sale.
public struct CounterSaleLine: Sendable, Codable {
    /// The product.
    public var productId: Int64
    /// Units sold.
    public var quantity: Int64
    /// The batch, when the customer picks one; else the earliest-expiring sellable
    /// batches are taken (FEFO), as many as the quantity needs.
    public var batchNumber: String?
    /// The price per unit including GST, in paise; the batch's MRP when left out, and
    /// never above it.
    public var unitPrice: Int64?
    /// A discount of this many hundredths of a percent of the line (1000 = 10 %).
    public var discountPercentBasisPoints: Int64?
    /// A discount of this many paise off the line.
    public var discountPaise: Int64?

    /// A line with these fields, as a client sends it.
    public init(
        productId: Int64, quantity: Int64, batchNumber: String? = nil, unitPrice: Int64? = nil,
        discountPercentBasisPoints: Int64? = nil, discountPaise: Int64? = nil
    ) {
        self.productId = productId
        self.quantity = quantity
        self.batchNumber = batchNumber
        self.unitPrice = unitPrice
        self.discountPercentBasisPoints = discountPercentBasisPoints
        self.discountPaise = discountPaise
    }

    var discount: LineDiscount {
        if let discountPaise { return .amount(Money(paise: discountPaise)) }
        if let discountPercentBasisPoints { return .percent(basisPoints: discountPercentBasisPoints) }
        return .none
    }
}

/// One payment of a counter sale.
public struct CounterPayment: Sendable, Codable {
    /// `cash`, `upi` or `card`.
    public var mode: String
    /// The amount, in paise.
    public var amountPaise: Int64
    /// The UPI transaction or card slip reference (required but for cash).
    public var reference: String?

    /// A payment with these fields, as a client sends it.
    public init(mode: String, amountPaise: Int64, reference: String? = nil) {
        self.mode = mode
        self.amountPaise = amountPaise
        self.reference = reference
    }
}

/// A tax invoice as the API and `invoice.issued` show it.
public struct InvoiceDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// `counter_sale` or `b2b`.
    public var kind: String
    /// The invoice number (`CS/26-27/0000001`).
    public var number: String
    /// The date of issue.
    public var invoiceDate: CalendarDate
    /// The calendar year of its financial year's 1 April.
    public var financialYear: Int
    /// The warehouse the stock left.
    public var warehouseId: Int64
    /// The customer, for a B2B invoice.
    public var customerId: Int64?
    /// The customer as they were when the invoice was issued (B2B).
    public var recipient: CustomerDocument?
    /// The deliveries a B2B invoice bills.
    public var deliveryIds: [Int64]?
    /// An unregistered buyer's name.
    public var buyerName: String?
    /// An unregistered buyer's phone.
    public var buyerPhone: String?
    /// An unregistered buyer's address.
    public var buyerAddress: String?
    /// The place of supply's state code.
    public var placeOfSupply: String
    /// The company profile as it was at issue.
    public var supplier: CompanyProfile
    /// Σ line discounts, in paise.
    public var discount: Int64
    /// Σ taxable values.
    public var taxable: Int64
    /// Σ CGST.
    public var cgst: Int64
    /// Σ SGST.
    public var sgst: Int64
    /// Σ IGST.
    public var igst: Int64
    /// The rounding to the rupee.
    public var roundOff: Int64
    /// What is paid.
    public var total: Int64
    /// When it was issued.
    public var issuedAt: String
    /// The lines.
    public var lines: [InvoiceLine]
    /// The payments taken with it.
    public var payments: [InvoicePayment]
    /// The stock it took out, at cost (a counter sale; a B2B invoice's left with its deliveries).
    public var movements: [StockMovement]
}

/// One line of an invoice.
public struct InvoiceLine: Sendable, Codable {
    /// Its number, from 1.
    public var lineNumber: Int
    /// The product.
    public var productId: Int64
    /// The batch sold.
    public var batchId: Int64
    /// The batch number as printed on the pack.
    public var batchNumber: String
    /// The batch's expiry date.
    public var expiresOn: CalendarDate
    /// Who made it.
    public var manufacturer: String?
    /// The product as the invoice prints it.
    public var description: String
    /// The HSN code, as many digits as the turnover band needs.
    public var hsnCode: String
    /// The unit the quantity counts.
    public var unit: String
    /// Units sold.
    public var quantity: Int64
    /// Price per unit, in paise.
    public var unitPrice: Int64
    /// `inclusive` (GST in the price) or `exclusive`.
    public var priceBasis: String
    /// The discount, in paise.
    public var discount: Int64
    /// The taxable value.
    public var taxable: Int64
    /// The GST rate in hundredths of a percent.
    public var gstRate: Int
    /// CGST.
    public var cgst: Int64
    /// SGST.
    public var sgst: Int64
    /// IGST.
    public var igst: Int64
    /// What the stock cost when it left.
    public var cost: Int64
    /// The delivery that took the stock out, on a B2B invoice.
    public var deliveryId: Int64?
}

/// A payment taken with an invoice.
public struct InvoicePayment: Sendable, Codable {
    /// `cash`, `upi` or `card`.
    public var mode: String
    /// The UPI or card reference.
    public var reference: String?
    /// The amount, in paise.
    public var amount: Int64
}
