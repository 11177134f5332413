// B2B sales orders and the deliveries made against them.
public import ERPKernel
public import Inventory

/// The body of `POST /sales-orders`: a draft order of a customer, at rates before tax.
public struct NewSalesOrder: Sendable, Codable {
    /// The customer.
    public var customerId: Int64
    /// The warehouse the goods will leave.
    public var warehouseId: Int64
    /// The customer's own reference (their purchase order number).
    public var reference: String?
    /// What is ordered.
    public var lines: [NewSalesOrderLine]

    /// An order with these fields, as a client sends it.
    public init(customerId: Int64, warehouseId: Int64, reference: String? = nil, lines: [NewSalesOrderLine]) {
        self.customerId = customerId
        self.warehouseId = warehouseId
        self.reference = reference
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(customerId > 0, "customerId", "must be a customer id")
        check.require(warehouseId > 0, "warehouseId", "must be a warehouse id")
        check.text(reference, "reference", maximum: 100, required: false)
        check.require((1...200).contains(lines.count), "lines", "must have 1 to 200 lines")
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            check.require(line.productId > 0, "\(field).productId", "must be a product id")
            check.require((1...1_000_000).contains(line.quantity), "\(field).quantity", "must be between 1 and 1000000")
            check.require(
                (0...100_000_000).contains(line.ratePaise), "\(field).ratePaise", "must be 0 to 100000000 paise")
            if let percent = line.discountPercentBasisPoints {
                check.require(
                    (0...10_000).contains(percent), "\(field).discountPercentBasisPoints", "must be 0 to 10000 (100 %)")
            }
            if let amount = line.discountPaise {
                check.require(
                    (0...line.ratePaise * line.quantity).contains(amount), "\(field).discountPaise",
                    "must be between 0 and the line's \(Money(paise: line.ratePaise * line.quantity))")
            }
            if line.discountPaise != nil, line.discountPercentBasisPoints != nil {
                check.fail("\(field).discountPaise", "give the discount as a percentage or as an amount, not both")
            }
        }
        check.unique(
            lines.map(\.productId), field: { "lines[\($0)].productId" },
            message: { "repeats the product of lines[\($0)]: order it once" })
        try check.check()
    }
}

/// One line of a sales order.
public struct NewSalesOrderLine: Sendable, Codable {
    /// The product.
    public var productId: Int64
    /// Units ordered.
    public var quantity: Int64
    /// The price per unit before tax, in paise.
    public var ratePaise: Int64
    /// A discount of this many hundredths of a percent of the line (1000 = 10 %).
    public var discountPercentBasisPoints: Int64?
    /// A discount of this many paise off the whole line.
    public var discountPaise: Int64?

    /// A line with these fields, as a client sends it.
    public init(
        productId: Int64, quantity: Int64, ratePaise: Int64, discountPercentBasisPoints: Int64? = nil,
        discountPaise: Int64? = nil
    ) {
        self.productId = productId
        self.quantity = quantity
        self.ratePaise = ratePaise
        self.discountPercentBasisPoints = discountPercentBasisPoints
        self.discountPaise = discountPaise
    }
}

/// A sales order as the API and its events show it.
public struct SalesOrderDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// The customer.
    public var customerId: Int64
    /// The warehouse the goods leave.
    public var warehouseId: Int64
    /// `draft`, `confirmed`, `partially_delivered`, `delivered` or `cancelled`.
    public var status: String
    /// The day it was taken.
    public var orderedOn: CalendarDate
    /// The customer's reference.
    public var reference: String?
    /// Its value with tax when confirmed, in paise.
    public var total: Int64?
    /// When it was confirmed.
    public var confirmedAt: String?
    /// Its version, for `If-Match`.
    public var version: Int
    /// The lines.
    public var lines: [SalesOrderLineDocument]
    /// On `sales_order.confirmed` and `sales_order.cancelled`: the stock it reserved
    /// (positive) or gave back (negative).
    public var reservations: [ReservationDocument]?
}

/// One line of a sales order.
public struct SalesOrderLineDocument: Sendable, Codable {
    /// Its number, from 1.
    public var lineNumber: Int
    /// The product.
    public var productId: Int64
    /// Units ordered.
    public var quantity: Int64
    /// The price per unit before tax, in paise.
    public var ratePaise: Int64
    /// The discount in hundredths of a percent, when given so.
    public var discountPercentBasisPoints: Int64?
    /// The discount in paise off the whole line, when given so.
    public var discountPaise: Int64?
    /// Units delivered so far.
    public var delivered: Int64
    /// Units invoiced so far.
    public var invoiced: Int64
}

/// Stock set aside for an order (positive) or given back (negative).
public struct ReservationDocument: Sendable, Codable {
    /// The product.
    public var productId: Int64
    /// The warehouse.
    public var warehouseId: Int64
    /// Signed units.
    public var quantity: Int64
}

/// The body of `POST /deliveries`: goods leaving against a confirmed order.
public struct NewDelivery: Sendable, Codable {
    /// The order delivered against.
    public var salesOrderId: Int64
    /// What goes; each order line at most once.
    public var lines: [NewDeliveryLine]

    /// A delivery with these fields, as a client sends it.
    public init(salesOrderId: Int64, lines: [NewDeliveryLine]) {
        self.salesOrderId = salesOrderId
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(salesOrderId > 0, "salesOrderId", "must be a sales order id")
        check.require((1...200).contains(lines.count), "lines", "must have 1 to 200 lines")
        for (index, line) in lines.enumerated() {
            check.require(line.orderLine > 0, "lines[\(index)].orderLine", "must be a line number of the order")
            check.require(
                (1...1_000_000).contains(line.quantity), "lines[\(index)].quantity", "must be between 1 and 1000000")
            check.text(line.batchNumber, "lines[\(index)].batchNumber", maximum: 40, required: false)
        }
        check.unique(
            lines.map(\.orderLine), field: { "lines[\($0)].orderLine" },
            message: { "repeats the order line of lines[\($0)]" })
        try check.check()
    }
}

/// One line of a delivery.
public struct NewDeliveryLine: Sendable, Codable {
    /// The order's line number.
    public var orderLine: Int
    /// Units delivered: with what was delivered before, at most the ordered quantity.
    public var quantity: Int64
    /// The batch, when one is named; else the earliest-expiring batches with the
    /// customer's minimum shelf life left (FEFO).
    public var batchNumber: String?

    /// A line with these fields, as a client sends it.
    public init(orderLine: Int, quantity: Int64, batchNumber: String? = nil) {
        self.orderLine = orderLine
        self.quantity = quantity
        self.batchNumber = batchNumber
    }
}

/// A delivery as the API and `goods.delivered` show it.
public struct DeliveryDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// The order.
    public var salesOrderId: Int64
    /// The customer.
    public var customerId: Int64
    /// The warehouse the goods left.
    public var warehouseId: Int64
    /// The day they left.
    public var deliveredOn: CalendarDate
    /// The tax invoice issued for it, once there is one.
    public var invoiceId: Int64?
    /// The lines: one per batch.
    public var lines: [DeliveryLineDocument]
    /// The stock that left, at moving-average cost.
    public var movements: [StockMovement]
    /// The reservations it used up (negative).
    public var reservations: [ReservationDocument]
}

/// One line of a delivery: an order line's units from one batch.
public struct DeliveryLineDocument: Sendable, Codable {
    /// Its number, from 1.
    public var lineNumber: Int
    /// The order line it delivers.
    public var orderLine: Int
    /// The product.
    public var productId: Int64
    /// The batch.
    public var batchId: Int64
    /// As printed on the pack.
    public var batchNumber: String
    /// The batch's expiry date.
    public var expiresOn: CalendarDate
    /// Units.
    public var quantity: Int64
    /// What they cost, in paise (positive).
    public var cost: Int64
}

/// The body of `POST /invoices`: a B2B tax invoice for deliveries of one customer.
public struct NewInvoice: Sendable, Codable {
    /// The deliveries it bills, none invoiced before.
    public var deliveryIds: [Int64]

    /// An invoice of these deliveries.
    public init(deliveryIds: [Int64]) { self.deliveryIds = deliveryIds }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require((1...50).contains(deliveryIds.count), "deliveryIds", "must name 1 to 50 deliveries")
        for (index, id) in deliveryIds.enumerated() {
            check.require(id > 0, "deliveryIds[\(index)]", "must be a delivery id")
        }
        check.unique(deliveryIds, field: { "deliveryIds[\($0)]" }, message: { "repeats deliveryIds[\($0)]" })
        try check.check()
    }
}
