// Master records as the API shows them and their events carry them (triggers/master_data.sql
// builds the JSON; these types read it).

/// A product as `GET /api/v1/products/{id}` and the `product.*` events show it.
public struct ProductDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
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
    /// The HSN code.
    public var hsnCode: String
    /// The maximum retail price per pack, in paise.
    public var mrp: Int64
    /// Below this on hand, reorder.
    public var reorderLevel: Int64
    /// How much to reorder.
    public var reorderQuantity: Int64
    /// Who reorder suggestions order it from.
    public var preferredVendorId: Int64?
    /// Whether stock is kept by batch.
    public var batchTracked: Bool
    /// Days from manufacture to expiry, if fixed.
    public var shelfLifeDays: Int?
    /// Whether it is in use.
    public var active: Bool
    /// Raised by every change; send it back in If-Match.
    public var version: Int
    /// The GST rates by effective date.
    public var gstRates: [GSTRate]
}

/// A warehouse as the API and the `warehouse.*` events show it.
public struct WarehouseDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// The warehouse code, e.g. MUM.
    public var code: String
    /// The name.
    public var name: String
    /// The two-digit GST state code.
    public var stateCode: String
    /// Whether it is in use.
    public var active: Bool
    /// Raised by every change.
    public var version: Int
}

/// A vendor as the API and the `vendor.*` events show it.
public struct VendorDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// The name.
    public var name: String
    /// The GSTIN, when registered.
    public var gstin: String?
    /// The two-digit GST state code.
    public var stateCode: String
    /// Days the vendor gives to pay.
    public var paymentTermsDays: Int
    /// Whether it is in use.
    public var active: Bool
    /// Raised by every change.
    public var version: Int
}
