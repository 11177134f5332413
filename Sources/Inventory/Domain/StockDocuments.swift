// Issues, transfers and adjustments: the stock documents a warehouse posts by hand.
public import ERPKernel
import ERPStore
import MasterData

/// Units of one batch of a product on a stock document.
public struct StockLine: Sendable, Codable {
    /// The product's id.
    public var productId: Int64
    /// The batch number as printed on the pack.
    public var batchNumber: String
    /// Units; greater than zero, except on adjustments, where the sign says which way.
    public var quantity: Int64

    /// Creates a value with the given fields.
    public init(productId: Int64, batchNumber: String, quantity: Int64) {
        self.productId = productId
        self.batchNumber = batchNumber
        self.quantity = quantity
    }
}

/// The body of `POST /stock-issues`: stock leaving a warehouse (consumption, a sale
/// recorded elsewhere, a sample given away).
public struct NewStockIssue: Sendable, Codable {
    /// The warehouse's id.
    public var warehouseId: Int64
    /// The document's reference, e.g. a slip number.
    public var reference: String?
    /// Free text for the people who read the document.
    public var note: String?
    /// The document's lines, in order.
    public var lines: [StockLine]

    /// A body with these fields, as a client sends it.
    public init(warehouseId: Int64, reference: String? = nil, note: String? = nil, lines: [StockLine]) {
        self.warehouseId = warehouseId
        self.reference = reference
        self.note = note
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(warehouseId > 0, "warehouseId", "must be a warehouse id")
        LineRules.checkRemarks(reference: reference, note: note, into: &check)
        StockRules.checkLines(lines, signed: false, into: &check)
        try check.check()
    }
}

/// The body of `POST /stock-transfers`: stock moving from one warehouse to another.
public struct NewStockTransfer: Sendable, Codable {
    /// Where the stock leaves.
    public var fromWarehouseId: Int64
    /// Where the stock arrives.
    public var toWarehouseId: Int64
    /// The document's reference, e.g. a slip number.
    public var reference: String?
    /// Free text for the people who read the document.
    public var note: String?
    /// The document's lines, in order.
    public var lines: [StockLine]

    /// A body with these fields, as a client sends it.
    public init(
        fromWarehouseId: Int64, toWarehouseId: Int64, reference: String? = nil, note: String? = nil, lines: [StockLine]
    ) {
        self.fromWarehouseId = fromWarehouseId
        self.toWarehouseId = toWarehouseId
        self.reference = reference
        self.note = note
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(fromWarehouseId > 0, "fromWarehouseId", "must be a warehouse id")
        check.require(toWarehouseId > 0, "toWarehouseId", "must be a warehouse id")
        check.require(fromWarehouseId != toWarehouseId, "toWarehouseId", "must differ from fromWarehouseId")
        LineRules.checkRemarks(reference: reference, note: note, into: &check)
        StockRules.checkLines(lines, signed: false, into: &check)
        try check.check()
    }
}

/// The body of `POST /stock-adjustments`: a correction, each line signed.
public struct NewStockAdjustment: Sendable, Codable {
    /// Why stock is corrected. Expired stock leaves only through an `expiry` adjustment
    /// (or a return to the vendor).
    public static let reasons = ["count", "damage", "sample", "expiry"]

    /// The warehouse's id.
    public var warehouseId: Int64
    /// One of ``reasons``.
    public var reason: String
    /// The document's reference, e.g. a slip number.
    public var reference: String?
    /// Free text for the people who read the document.
    public var note: String?
    /// The document's lines, in order.
    public var lines: [StockLine]

    /// A body with these fields, as a client sends it.
    public init(warehouseId: Int64, reason: String, reference: String? = nil, note: String? = nil, lines: [StockLine]) {
        self.warehouseId = warehouseId
        self.reason = reason
        self.reference = reference
        self.note = note
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(warehouseId > 0, "warehouseId", "must be a warehouse id")
        check.require(Self.reasons.contains(reason), "reason", "must be one of \(Self.reasons.joined(separator: ", "))")
        LineRules.checkRemarks(reference: reference, note: note, into: &check)
        StockRules.checkLines(lines, signed: true, into: &check)
        try check.check()
    }
}

/// The rules every stock document's lines follow (with the limits of ``LineRules``).
public enum StockRules {
    /// Batch numbers as printed on the pack: letters, digits and `./_-`, up to 40.
    public static func isBatchNumber(_ text: String) -> Bool {
        guard let first = text.first, (1...40).contains(text.count), first.isASCII, first.isLetter || first.isNumber
        else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "./_-".contains($0)) }
    }

    static func checkLines(_ lines: [StockLine], signed: Bool, into check: inout Validation) {
        LineRules.checkCount(lines.count, into: &check)
        for (index, line) in lines.enumerated() {
            let path = "lines[\(index)]"
            check.require(line.productId > 0, "\(path).productId", "must be a product id")
            check.require(
                isBatchNumber(line.batchNumber), "\(path).batchNumber",
                "must be 1-40 letters, digits, '.', '/', '_' or '-'")
            LineRules.checkQuantity(line.quantity, "\(path).quantity", signed: signed, into: &check)
        }
        check.unique(
            lines.map { "\($0.productId)/\($0.batchNumber)" }, field: { "lines[\($0)]" },
            message: { "repeats the product and batch of lines[\($0)]; put them on one line" }
        )
    }
}
