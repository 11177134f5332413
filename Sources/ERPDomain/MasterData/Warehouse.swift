// Warehouses: where stock is kept; their state decides CGST + SGST or IGST.

/// The body of `POST /warehouses`.
public struct NewWarehouse: Sendable, Codable {
    public var code: String
    public var name: String
    public var stateCode: String

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(ProductRules.isSKU(code) && code.count <= 20, "code", "must be 1-20 letters, digits, '.', '_' or '-'")
        check.text(name, "name", maximum: 200)
        check.require(StateCode.isValid(stateCode), "stateCode", "must be a two-digit GST state code (01-38, 97, 99)")
        try check.check()
    }
}

/// The body of `PATCH /warehouses/{id}`.
public struct WarehouseChanges: Sendable, Codable {
    public var name: String?
    public var active: Bool?

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        if let name { check.text(name, "name", maximum: 200) }
        try check.check()
    }
}
