// Products: what is bought, stocked and sold.
public import ERPKernel
import ERPStore

/// A GST rate and the date it applies from.
public struct GSTRate: Sendable, Hashable, Codable {
    /// The first day the rate applies.
    public var effectiveFrom: CalendarDate
    /// Hundredths of a percent (basis points): 500 is 5 %, 1200 is 12 %.
    public var rateBasisPoints: Int

    /// Creates a value with the given fields.
    public init(effectiveFrom: CalendarDate, rateBasisPoints: Int) {
        self.effectiveFrom = effectiveFrom
        self.rateBasisPoints = rateBasisPoints
    }

    /// The rates GST has, in basis points: 0, 0.1, 0.25, 1, 1.5, 3, 5, 6, 7.5, 12, 18, 28 and 40 %.
    public static let allowedBasisPoints: [Int] = [0, 10, 25, 100, 150, 300, 500, 600, 750, 1200, 1800, 2800, 4000]
}

/// The body of `POST /products`.
public struct NewProduct: Sendable, Codable {
    /// The stock-keeping unit code.
    public var sku: String
    /// The name.
    public var name: String
    /// The maker's brand, if any.
    public var brand: String?
    /// The homeopathic potency, e.g. 30C.
    public var potency: String?
    /// The form, e.g. dilution or tablets.
    public var form: String
    /// Units in one pack (see packUnit).
    public var packSize: Int
    /// What a pack is counted in, e.g. ml.
    public var packUnit: String
    /// The HSN code (4, 6 or 8 digits).
    public var hsnCode: String
    /// Maximum retail price per pack, in paise.
    public var mrp: Int64
    /// Below this on hand, reorder.
    public var reorderLevel: Int64?
    /// How much to reorder.
    public var reorderQuantity: Int64?
    /// Who reorder suggestions order it from.
    public var preferredVendorId: Int64?
    /// Whether stock is kept by batch.
    public var batchTracked: Bool?
    /// Days from manufacture to expiry, if fixed.
    public var shelfLifeDays: Int?
    /// The GST rates by effective date.
    public var gstRates: [GSTRate]

    /// A body with these fields, as a client sends it.
    public init(
        sku: String, name: String, brand: String? = nil, potency: String? = nil, form: String, packSize: Int,
        packUnit: String, hsnCode: String, mrp: Int64, reorderLevel: Int64? = nil, reorderQuantity: Int64? = nil,
        preferredVendorId: Int64? = nil, batchTracked: Bool? = nil, shelfLifeDays: Int? = nil, gstRates: [GSTRate]
    ) {
        self.sku = sku
        self.name = name
        self.brand = brand
        self.potency = potency
        self.form = form
        self.packSize = packSize
        self.packUnit = packUnit
        self.hsnCode = hsnCode
        self.mrp = mrp
        self.reorderLevel = reorderLevel
        self.reorderQuantity = reorderQuantity
        self.preferredVendorId = preferredVendorId
        self.batchTracked = batchTracked
        self.shelfLifeDays = shelfLifeDays
        self.gstRates = gstRates
    }

    /// Checks every field against the product rules.
    ///
    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(
            ProductRules.isSKU(sku), "sku",
            "must be 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit")
        check.text(name, "name", maximum: 200)
        check.text(brand, "brand", maximum: 100, required: false)
        check.text(potency, "potency", maximum: 20, required: false)
        check.text(form, "form", maximum: 60)
        check.require(packSize > 0, "packSize", "must be greater than zero")
        check.text(packUnit, "packUnit", maximum: 20)
        check.require((try? HSNCode(hsnCode)) != nil, "hsnCode", "must be 4, 6 or 8 digits")
        check.require(mrp >= 0, "mrp", "must not be negative")
        ProductRules.checkReorder(reorderLevel, "reorderLevel", into: &check)
        ProductRules.checkReorder(reorderQuantity, "reorderQuantity", into: &check)
        check.require((preferredVendorId ?? 1) > 0, "preferredVendorId", "must be a vendor id")
        check.require((shelfLifeDays ?? 1) > 0, "shelfLifeDays", "must be greater than zero")
        check.require(!gstRates.isEmpty, "gstRates", "needs at least one rate")
        ProductRules.checkRates(gstRates, into: &check)
        try check.check()
    }
}

/// The body of `PATCH /products/{id}`: only the fields present change.
public struct ProductChanges: Sendable, Codable {
    /// The name.
    public var name: String?
    /// An empty text clears it.
    public var brand: String?
    /// An empty text clears it.
    public var potency: String?
    /// The form, e.g. dilution or tablets.
    public var form: String?
    /// Units in one pack (see packUnit).
    public var packSize: Int?
    /// What a pack is counted in, e.g. ml.
    public var packUnit: String?
    /// The HSN code (4, 6 or 8 digits).
    public var hsnCode: String?
    /// The maximum retail price per pack, in paise.
    public var mrp: Int64?
    /// Below this on hand, reorder.
    public var reorderLevel: Int64?
    /// How much to reorder.
    public var reorderQuantity: Int64?
    /// A vendor id; 0 clears it.
    public var preferredVendorId: Int64?
    /// Days from manufacture to expiry, if fixed.
    public var shelfLifeDays: Int?
    /// `false` deactivates the product; `true` reactivates it.
    public var active: Bool?
    /// Rates to add, or to replace when a rate with the same date exists.
    public var gstRates: [GSTRate]?
    /// Never changes: sent only to be refused by name (a SKU is how others know the product).
    public var sku: String?

    /// A body with these fields, as a client sends it.
    public init(
        name: String? = nil, brand: String? = nil, potency: String? = nil, form: String? = nil, packSize: Int? = nil,
        packUnit: String? = nil, hsnCode: String? = nil, mrp: Int64? = nil, reorderLevel: Int64? = nil,
        reorderQuantity: Int64? = nil, preferredVendorId: Int64? = nil, shelfLifeDays: Int? = nil, active: Bool? = nil,
        gstRates: [GSTRate]? = nil, sku: String? = nil
    ) {
        self.name = name
        self.brand = brand
        self.potency = potency
        self.form = form
        self.packSize = packSize
        self.packUnit = packUnit
        self.hsnCode = hsnCode
        self.mrp = mrp
        self.reorderLevel = reorderLevel
        self.reorderQuantity = reorderQuantity
        self.preferredVendorId = preferredVendorId
        self.shelfLifeDays = shelfLifeDays
        self.active = active
        self.gstRates = gstRates
        self.sku = sku
    }

    /// Checks the fields that are present.
    ///
    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        if let name { check.text(name, "name", maximum: 200) }
        check.text(brand, "brand", maximum: 100, required: false)
        check.text(potency, "potency", maximum: 20, required: false)
        if let form { check.text(form, "form", maximum: 60) }
        if let packSize { check.require(packSize > 0, "packSize", "must be greater than zero") }
        if let packUnit { check.text(packUnit, "packUnit", maximum: 20) }
        if let hsnCode { check.require((try? HSNCode(hsnCode)) != nil, "hsnCode", "must be 4, 6 or 8 digits") }
        if let mrp { check.require(mrp >= 0, "mrp", "must not be negative") }
        ProductRules.checkReorder(reorderLevel, "reorderLevel", into: &check)
        ProductRules.checkReorder(reorderQuantity, "reorderQuantity", into: &check)
        if let preferredVendorId {
            check.require(preferredVendorId >= 0, "preferredVendorId", "must be a vendor id, or 0 to clear it")
        }
        if let shelfLifeDays { check.require(shelfLifeDays > 0, "shelfLifeDays", "must be greater than zero") }
        ProductRules.checkRates(gstRates ?? [], into: &check)
        if sku != nil { check.fail("sku", "cannot be changed; create a new product instead") }
        try check.check()
    }
}

enum ProductRules {
    static func isSKU(_ text: String) -> Bool {
        guard let first = text.first, (1...40).contains(text.count), first.isASCII, first.isLetter || first.isNumber
        else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// Reorder figures are quantities: like a document line's, at most ``LineRules/maximumQuantity``.
    static func checkReorder(_ value: Int64?, _ field: String, into check: inout Validation) {
        guard let value else { return }
        check.require(
            (0...LineRules.maximumQuantity).contains(value), field,
            "must be from 0 to \(LineRules.maximumQuantity) units")
    }

    static func checkRates(_ rates: [GSTRate], into check: inout Validation) {
        let allowed = GSTRate.allowedBasisPoints.map(String.init).joined(separator: ", ")
        for (index, rate) in rates.enumerated() {
            check.require(
                GSTRate.allowedBasisPoints.contains(rate.rateBasisPoints), "gstRates[\(index)].rateBasisPoints",
                "must be a GST rate in hundredths of a percent (500 is 5 %): one of \(allowed)"
            )
        }
        check.require(Set(rates.map(\.effectiveFrom)).count == rates.count, "gstRates", "has two rates for one date")
    }
}
