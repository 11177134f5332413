// Warehouses: where stock is kept; their state decides CGST + SGST or IGST.
public import ERPKernel
import ERPStore

/// The body of `POST /warehouses`.
public struct NewWarehouse: Sendable, Codable {
    /// The warehouse code, e.g. MUM: unique, and never changed.
    public var code: String
    /// The name.
    public var name: String
    /// The two-digit GST state code.
    public var stateCode: String

    /// A body with these fields, as a client sends it.
    public init(code: String, name: String, stateCode: String) {
        self.code = code
        self.name = name
        self.stateCode = stateCode
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(
            ProductRules.isSKU(code) && code.count <= 20, "code", "must be 1-20 letters, digits, '.', '_' or '-'")
        check.text(name, "name", maximum: 200)
        check.require(StateCode.isPlace(stateCode), "stateCode", StateCode.placeRule)
        try check.check()
    }
}

/// The body of `PATCH /warehouses/{id}`.
public struct WarehouseChanges: Sendable, Codable {
    /// The name.
    public var name: String?
    /// Whether it is in use.
    public var active: Bool?
    /// Never change: sent only to be refused by name. A warehouse's state decides the
    /// taxes of everything that moved through it, and its code is how others know it.
    public var stateCode: String?
    /// The warehouse code (refused: a code never changes).
    public var code: String?

    /// A body with these fields, as a client sends it.
    public init(name: String? = nil, active: Bool? = nil, stateCode: String? = nil, code: String? = nil) {
        self.name = name
        self.active = active
        self.stateCode = stateCode
        self.code = code
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        if let name { check.text(name, "name", maximum: 200) }
        if stateCode != nil {
            check.fail("stateCode", "cannot be changed; open a new warehouse in the other state instead")
        }
        if code != nil { check.fail("code", "cannot be changed") }
        try check.check()
    }
}
