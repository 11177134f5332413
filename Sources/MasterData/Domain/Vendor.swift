// Vendors: whom goods are bought from.
public import ERPKernel
import ERPStore

/// The body of `POST /vendors`. A registered vendor gives a GSTIN, whose first two
/// digits are its state; an unregistered one gives the state code alone.
public struct NewVendor: Sendable, Codable {
    /// The name.
    public var name: String
    /// The GSTIN, when registered.
    public var gstin: String?
    /// The two-digit GST state code.
    public var stateCode: String?
    /// Days the vendor gives to pay.
    public var paymentTermsDays: Int?

    /// A body with these fields, as a client sends it.
    public init(name: String, gstin: String? = nil, stateCode: String? = nil, paymentTermsDays: Int? = nil) {
        self.name = name
        self.gstin = gstin
        self.stateCode = stateCode
        self.paymentTermsDays = paymentTermsDays
    }

    /// The vendor's state: from the GSTIN when there is one.
    public var resolvedStateCode: String? {
        if let gstin, let valid = try? GSTIN(gstin) { return valid.stateCode }
        return stateCode
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.text(name, "name", maximum: 200)
        VendorRules.check(gstin: gstin, stateCode: stateCode, into: &check)
        if gstin == nil, stateCode == nil { check.fail("stateCode", "is required when there is no GSTIN") }
        if let paymentTermsDays {
            check.require((0...365).contains(paymentTermsDays), "paymentTermsDays", "must be between 0 and 365")
        }
        try check.check()
    }
}

/// The body of `PATCH /vendors/{id}`.
public struct VendorChanges: Sendable, Codable {
    /// The name.
    public var name: String?
    /// An empty text removes the GSTIN (the vendor is no longer registered).
    public var gstin: String?
    /// The two-digit GST state code.
    public var stateCode: String?
    /// Days the vendor gives to pay.
    public var paymentTermsDays: Int?
    /// Whether it is in use.
    public var active: Bool?

    /// A body with these fields, as a client sends it.
    public init(
        name: String? = nil, gstin: String? = nil, stateCode: String? = nil, paymentTermsDays: Int? = nil,
        active: Bool? = nil
    ) {
        self.name = name
        self.gstin = gstin
        self.stateCode = stateCode
        self.paymentTermsDays = paymentTermsDays
        self.active = active
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        if let name { check.text(name, "name", maximum: 200) }
        VendorRules.check(gstin: gstin.flatMap { $0.isEmpty ? nil : $0 }, stateCode: stateCode, into: &check)
        if let paymentTermsDays {
            check.require((0...365).contains(paymentTermsDays), "paymentTermsDays", "must be between 0 and 365")
        }
        try check.check()
    }
}

enum VendorRules {
    static func check(gstin: String?, stateCode: String?, into check: inout Validation) {
        check.registration(gstin: gstin, stateCode: stateCode)
    }
}
