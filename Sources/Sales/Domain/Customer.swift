// Customers: whom goods are sold to. With a GSTIN a customer is registered (B2B),
// without one unregistered (B2C); their billing state is the place of supply.
public import ERPKernel

/// The body of `POST /customers`.
public struct NewCustomer: Sendable, Codable {
    /// The name.
    public var name: String
    /// The GSTIN, when registered.
    public var gstin: String?
    /// The billing state's two-digit code; taken from the GSTIN when there is one.
    public var stateCode: String?
    /// The billing address.
    public var address: String?
    /// A phone number.
    public var phone: String?
    /// Their drug licences; a B2B sale of medicines needs one valid on the sale's date.
    public var drugLicences: [DrugLicence]?
    /// The most they may owe, in paise; 0 (the default) gives no credit.
    public var creditLimitPaise: Int64?
    /// Days they have to pay an invoice.
    public var paymentTermsDays: Int?
    /// The fewest days of shelf life left they accept on a delivered batch.
    public var minimumShelfLifeDays: Int?

    /// A body with these fields, as a client sends it.
    public init(
        name: String, gstin: String? = nil, stateCode: String? = nil, address: String? = nil, phone: String? = nil,
        drugLicences: [DrugLicence]? = nil, creditLimitPaise: Int64? = nil, paymentTermsDays: Int? = nil,
        minimumShelfLifeDays: Int? = nil
    ) {
        self.name = name
        self.gstin = gstin
        self.stateCode = stateCode
        self.address = address
        self.phone = phone
        self.drugLicences = drugLicences
        self.creditLimitPaise = creditLimitPaise
        self.paymentTermsDays = paymentTermsDays
        self.minimumShelfLifeDays = minimumShelfLifeDays
    }

    /// The billing state: the GSTIN's when there is one.
    public var resolvedStateCode: String? {
        if let gstin, let valid = try? GSTIN(gstin) { return valid.stateCode }
        return stateCode
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.text(name, "name", maximum: 200)
        if gstin == nil, stateCode == nil { check.fail("stateCode", "is required when there is no GSTIN") }
        CustomerRules.check(
            gstin: gstin, stateCode: stateCode, address: address, phone: phone, drugLicences: drugLicences,
            creditLimitPaise: creditLimitPaise, paymentTermsDays: paymentTermsDays,
            minimumShelfLifeDays: minimumShelfLifeDays, into: &check)
        try check.check()
    }
}

/// The body of `PATCH /customers/{id}`: only the fields sent change.
public struct CustomerChanges: Sendable, Codable {
    /// The name.
    public var name: String?
    /// A new GSTIN; an empty text removes it (the customer is no longer registered).
    public var gstin: String?
    /// The billing state's two-digit code.
    public var stateCode: String?
    /// The billing address; an empty text removes it.
    public var address: String?
    /// A phone number; an empty text removes it.
    public var phone: String?
    /// Their drug licences, replacing the ones held.
    public var drugLicences: [DrugLicence]?
    /// The most they may owe, in paise.
    public var creditLimitPaise: Int64?
    /// Days they have to pay an invoice.
    public var paymentTermsDays: Int?
    /// The fewest days of shelf life left they accept.
    public var minimumShelfLifeDays: Int?
    /// Whether they may be sold to; `false` deactivates.
    public var active: Bool?

    /// A body with these fields, as a client sends it.
    public init(
        name: String? = nil, gstin: String? = nil, stateCode: String? = nil, address: String? = nil,
        phone: String? = nil, drugLicences: [DrugLicence]? = nil, creditLimitPaise: Int64? = nil,
        paymentTermsDays: Int? = nil, minimumShelfLifeDays: Int? = nil, active: Bool? = nil
    ) {
        self.name = name
        self.gstin = gstin
        self.stateCode = stateCode
        self.address = address
        self.phone = phone
        self.drugLicences = drugLicences
        self.creditLimitPaise = creditLimitPaise
        self.paymentTermsDays = paymentTermsDays
        self.minimumShelfLifeDays = minimumShelfLifeDays
        self.active = active
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        if let name { check.text(name, "name", maximum: 200) }
        CustomerRules.check(
            gstin: gstin.flatMap { $0.isEmpty ? nil : $0 }, stateCode: stateCode,
            address: address.flatMap { $0.isEmpty ? nil : $0 }, phone: phone.flatMap { $0.isEmpty ? nil : $0 },
            drugLicences: drugLicences, creditLimitPaise: creditLimitPaise, paymentTermsDays: paymentTermsDays,
            minimumShelfLifeDays: minimumShelfLifeDays, into: &check)
        try check.check()
    }
}

/// A customer as the API and the events show it.
public struct CustomerDocument: Sendable, Codable {
    /// Its id.
    public var id: Int64
    /// The name.
    public var name: String
    /// The GSTIN; absent for an unregistered customer.
    public var gstin: String?
    /// The billing state.
    public var stateCode: String
    /// The billing address.
    public var address: String?
    /// A phone number.
    public var phone: String?
    /// Their drug licences.
    public var drugLicences: [DrugLicence]
    /// The most they may owe, in paise.
    public var creditLimitPaise: Int64
    /// Days they have to pay.
    public var paymentTermsDays: Int
    /// The fewest days of shelf life left they accept.
    public var minimumShelfLifeDays: Int
    /// Whether they may be sold to.
    public var active: Bool
    /// Its version, for `If-Match`.
    public var version: Int
}

enum CustomerRules {
    static func check(
        gstin: String?, stateCode: String?, address: String?, phone: String?, drugLicences: [DrugLicence]?,
        creditLimitPaise: Int64?, paymentTermsDays: Int?, minimumShelfLifeDays: Int?, into check: inout Validation
    ) {
        check.registration(gstin: gstin, stateCode: stateCode)
        check.text(address, "address", maximum: 300, required: false)
        if let phone { check.require(PartyRules.isPhone(phone), "phone", PartyRules.phoneRule) }
        DrugLicence.check(drugLicences ?? [], "drugLicences", into: &check)
        if let creditLimitPaise {
            check.require(
                (0...1_000_000_000_000).contains(creditLimitPaise), "creditLimitPaise",
                "must be between 0 and 1000000000000 (₹1,000 crore)")
        }
        if let paymentTermsDays {
            check.require((0...365).contains(paymentTermsDays), "paymentTermsDays", "must be between 0 and 365")
        }
        if let minimumShelfLifeDays {
            check.require(
                (0...3650).contains(minimumShelfLifeDays), "minimumShelfLifeDays", "must be between 0 and 3650")
        }
    }
}
