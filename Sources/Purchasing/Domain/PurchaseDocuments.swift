// Purchase orders, goods receipts, vendor bills and purchase returns: the bodies of
public import ERPKernel
public import ERPStore
import Inventory
import MasterData
import PostgresNIO

// their POSTs and the rules each one's fields follow.

/// The body of `POST /purchase-orders`: a draft order.
public struct NewPurchaseOrder: Sendable, Codable, Equatable {
    /// One line of the document.
    public struct Line: Sendable, Codable, Equatable {
        /// The product's id.
        public var productId: Int64
        /// Units; positive unless the document says otherwise.
        public var quantity: Int64
        /// Agreed cost per unit, in paise, before GST.
        public var unitCost: Int64

        /// Creates a value with the given fields.
        public init(productId: Int64, quantity: Int64, unitCost: Int64) {
            self.productId = productId
            self.quantity = quantity
            self.unitCost = unitCost
        }
    }

    /// The vendor's id.
    public var vendorId: Int64
    /// Where the goods will be received.
    public var warehouseId: Int64
    /// When the goods are expected, if known.
    public var expectedOn: CalendarDate?
    /// Free text for the people who read the document.
    public var note: String?
    /// The document's lines, in order.
    public var lines: [Line]

    /// Creates a value with the given fields.
    public init(
        vendorId: Int64, warehouseId: Int64, expectedOn: CalendarDate? = nil, note: String? = nil, lines: [Line]
    ) {
        self.vendorId = vendorId
        self.warehouseId = warehouseId
        self.expectedOn = expectedOn
        self.note = note
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(vendorId > 0, "vendorId", "must be a vendor id")
        check.require(warehouseId > 0, "warehouseId", "must be a warehouse id")
        check.text(note, "note", maximum: 1000, required: false)
        LineRules.checkCount(lines.count, into: &check)
        for (index, line) in lines.enumerated() {
            check.require(line.productId > 0, "lines[\(index)].productId", "must be a product id")
            LineRules.checkQuantity(line.quantity, "lines[\(index)].quantity", into: &check)
            LineRules.checkPrice(line.unitCost, "lines[\(index)].unitCost", into: &check)
        }
        check.unique(
            lines.map(\.productId), field: { "lines[\($0)].productId" },
            message: { "repeats the product of lines[\($0)]" })
        try check.check()
    }
}

/// The body of `PATCH /purchase-orders/{id}`: a draft's fields that are present change;
/// `lines`, when present, replaces every line.
public struct PurchaseOrderChanges: Sendable, Codable {
    /// The vendor's id.
    public var vendorId: Int64?
    /// The warehouse's id.
    public var warehouseId: Int64?
    /// When the goods are expected, if known.
    public var expectedOn: CalendarDate?
    /// An empty text clears it.
    public var note: String?
    /// The document's lines, in order.
    public var lines: [NewPurchaseOrder.Line]?

    /// Creates a value with the given fields.
    public init(
        vendorId: Int64? = nil, warehouseId: Int64? = nil, expectedOn: CalendarDate? = nil, note: String? = nil,
        lines: [NewPurchaseOrder.Line]? = nil
    ) {
        self.vendorId = vendorId
        self.warehouseId = warehouseId
        self.expectedOn = expectedOn
        self.note = note
        self.lines = lines
    }

    /// The draft as it would be after these changes.
    public func applied(to order: NewPurchaseOrder) -> NewPurchaseOrder {
        NewPurchaseOrder(
            vendorId: vendorId ?? order.vendorId, warehouseId: warehouseId ?? order.warehouseId,
            expectedOn: expectedOn ?? order.expectedOn, note: note.map { $0.isEmpty ? nil : $0 } ?? order.note,
            lines: lines ?? order.lines
        )
    }
}

/// The body of `POST /goods-receipts`: goods arriving against an approved order.
public struct NewGoodsReceipt: Sendable, Codable {
    /// One line of the document.
    public struct Line: Sendable, Codable {
        /// The order line received against (1-based, as the order shows it).
        public var orderLineNumber: Int
        /// Units; positive unless the document says otherwise.
        public var quantity: Int64
        /// The batch number as printed on the pack.
        public var batchNumber: String
        /// The batch's expiry date.
        public var expiresOn: CalendarDate
        /// The batch's manufacturing date, if printed.
        public var manufacturedOn: CalendarDate?
        /// The batch's MRP in paise; the product's MRP when absent.
        public var mrp: Int64?

        /// Creates a value with the given fields.
        public init(
            orderLineNumber: Int, quantity: Int64, batchNumber: String, expiresOn: CalendarDate,
            manufacturedOn: CalendarDate? = nil, mrp: Int64? = nil
        ) {
            self.orderLineNumber = orderLineNumber
            self.quantity = quantity
            self.batchNumber = batchNumber
            self.expiresOn = expiresOn
            self.manufacturedOn = manufacturedOn
            self.mrp = mrp
        }
    }

    /// The purchase order it is against.
    public var purchaseOrderId: Int64
    /// The vendor's delivery challan or invoice number.
    public var vendorReference: String?
    /// The document's lines, in order.
    public var lines: [Line]

    /// A body with these fields, as a client sends it.
    public init(purchaseOrderId: Int64, vendorReference: String? = nil, lines: [Line]) {
        self.purchaseOrderId = purchaseOrderId
        self.vendorReference = vendorReference
        self.lines = lines
    }

    /// Checks the fields; `today` is the business date the goods arrive on.
    ///
    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate(today: CalendarDate) throws(InvalidFields) {
        var check = Validation()
        check.require(purchaseOrderId > 0, "purchaseOrderId", "must be a purchase order id")
        check.text(vendorReference, "vendorReference", maximum: 100, required: false)
        LineRules.checkCount(lines.count, into: &check)
        for (index, line) in lines.enumerated() {
            let path = "lines[\(index)]"
            check.require(line.orderLineNumber > 0, "\(path).orderLineNumber", "must be a line number of the order")
            LineRules.checkQuantity(line.quantity, "\(path).quantity", into: &check)
            check.require(
                StockRules.isBatchNumber(line.batchNumber), "\(path).batchNumber",
                "must be 1-40 letters, digits, '.', '/', '_' or '-'"
            )
            check.require(
                line.expiresOn > today, "\(path).expiresOn",
                "is not after today (\(today)): expired goods cannot be received")
            if let made = line.manufacturedOn {
                check.require(made <= today, "\(path).manufacturedOn", "is in the future")
                check.require(made < line.expiresOn, "\(path).manufacturedOn", "must be before expiresOn")
            }
            if let mrp = line.mrp { LineRules.checkPrice(mrp, "\(path).mrp", into: &check) }
        }
        check.unique(
            lines.map { "\($0.orderLineNumber)/\($0.batchNumber)" }, field: { "lines[\($0)]" },
            message: { "repeats the order line and batch of lines[\($0)]" }
        )
        try check.check()
    }
}

/// The body of `POST /vendor-bills`: the vendor's invoice, matched to the order and receipts.
public struct NewVendorBill: Sendable, Codable {
    /// One line of the document.
    public struct Line: Sendable, Codable {
        /// The purchase order line it is against.
        public var orderLineNumber: Int
        /// Units; positive unless the document says otherwise.
        public var quantity: Int64
        /// Price per unit billed, in paise, before GST.
        public var unitPrice: Int64

        /// Creates a value with the given fields.
        public init(orderLineNumber: Int, quantity: Int64, unitPrice: Int64) {
            self.orderLineNumber = orderLineNumber
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    /// The purchase order it is against.
    public var purchaseOrderId: Int64
    /// The vendor's invoice number.
    public var billNumber: String
    /// The date on the vendor's bill.
    public var billDate: CalendarDate
    /// The document's lines, in order.
    public var lines: [Line]

    /// A body with these fields, as a client sends it.
    public init(purchaseOrderId: Int64, billNumber: String, billDate: CalendarDate, lines: [Line]) {
        self.purchaseOrderId = purchaseOrderId
        self.billNumber = billNumber
        self.billDate = billDate
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate(today: CalendarDate) throws(InvalidFields) {
        var check = Validation()
        check.require(purchaseOrderId > 0, "purchaseOrderId", "must be a purchase order id")
        check.text(billNumber, "billNumber", maximum: 40)
        check.require(billDate <= today, "billDate", "is in the future")
        LineRules.checkCount(lines.count, into: &check)
        for (index, line) in lines.enumerated() {
            check.require(
                line.orderLineNumber > 0, "lines[\(index)].orderLineNumber", "must be a line number of the order")
            LineRules.checkQuantity(line.quantity, "lines[\(index)].quantity", into: &check)
            LineRules.checkPrice(line.unitPrice, "lines[\(index)].unitPrice", into: &check)
        }
        check.unique(
            lines.map(\.orderLineNumber), field: { "lines[\($0)].orderLineNumber" },
            message: { "repeats the order line of lines[\($0)]" })
        try check.check()
    }
}

/// What one vendor bill line comes to: taxable value, GST and the variance from the order.
public struct BilledLine: Sendable, Hashable {
    /// The taxable value.
    public var taxable: Money
    /// The GST on it, split by kind.
    public var tax: GSTSplit
    /// (billed price − ordered cost) × quantity; positive when billed above the order.
    public var priceVariance: Money

    /// Prices a bill line.
    ///
    /// - Parameters:
    ///   - quantity: Units billed.
    ///   - unitPrice: Billed price per unit.
    ///   - orderedUnitCost: The order's cost per unit.
    ///   - rateBasisPoints: The product's GST rate on the bill date.
    ///   - vendorState: The vendor's state code.
    ///   - warehouseState: The receiving warehouse's state code (the place of supply).
    public init(
        quantity: Int64, unitPrice: Money, orderedUnitCost: Money, rateBasisPoints: Int64, vendorState: String,
        warehouseState: String
    ) {
        taxable = unitPrice.times(quantity)
        tax = GSTSplit(
            taxable: taxable, rateBasisPoints: rateBasisPoints, supplierState: vendorState,
            placeOfSupply: warehouseState)
        priceVariance = (unitPrice - orderedUnitCost).times(quantity)
    }
}

/// The body of `POST /purchase-returns`: received goods going back to the vendor.
public struct NewPurchaseReturn: Sendable, Codable {
    /// One line of the document.
    public struct Line: Sendable, Codable {
        /// The goods receipt line returned from.
        public var receiptLineNumber: Int
        /// Units; positive unless the document says otherwise.
        public var quantity: Int64

        /// Creates a value with the given fields.
        public init(receiptLineNumber: Int, quantity: Int64) {
            self.receiptLineNumber = receiptLineNumber
            self.quantity = quantity
        }
    }

    /// The goods receipt the goods came in on.
    public var goodsReceiptId: Int64
    /// Why: one of the reasons the document takes.
    public var reason: String
    /// The document's lines, in order.
    public var lines: [Line]

    /// A body with these fields, as a client sends it.
    public init(goodsReceiptId: Int64, reason: String, lines: [Line]) {
        self.goodsReceiptId = goodsReceiptId
        self.reason = reason
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(goodsReceiptId > 0, "goodsReceiptId", "must be a goods receipt id")
        check.text(reason, "reason", maximum: 200)
        LineRules.checkCount(lines.count, into: &check)
        for (index, line) in lines.enumerated() {
            check.require(
                line.receiptLineNumber > 0, "lines[\(index)].receiptLineNumber", "must be a line number of the receipt")
            LineRules.checkQuantity(line.quantity, "lines[\(index)].quantity", into: &check)
        }
        check.unique(
            lines.map(\.receiptLineNumber), field: { "lines[\($0)].receiptLineNumber" },
            message: { "repeats the receipt line of lines[\($0)]" }
        )
        try check.check()
    }
}

/// Where a purchase order stands, as `purchase_orders.status` stores it.
public enum PurchaseOrderStatus: String, StoredEnum {
    /// Being written: it can be edited, approved or cancelled.
    case draft
    /// Approved: goods can be received against it, or it can be cancelled.
    case approved
    /// Some of its goods were received.
    case partiallyReceived = "partially_received"
    /// All of its goods were received.
    case received
    /// Cancelled before anything was received.
    case cancelled
}
