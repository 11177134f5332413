// The company's own profile: what every invoice says about the seller, and the series
// its documents are numbered in.
public import ERPKernel
import Foundation

/// The company's aggregate turnover, which decides the HSN digits an invoice prints and
/// whether B2B invoices need an e-invoice (Notification 78/2020; GST.md).
public enum TurnoverBand: String, Sendable, Hashable, Codable, CaseIterable {
    /// Up to ₹5 crore: HSN of at least 4 digits, no e-invoice.
    case upToFiveCrore = "up_to_5_crore"
    /// Above ₹5 crore: HSN of at least 6 digits, an e-invoice for every B2B invoice.
    case aboveFiveCrore = "above_5_crore"

    /// The fewest HSN digits an invoice line prints.
    public var hsnDigits: Int { self == .upToFiveCrore ? 4 : 6 }
    /// Whether B2B invoices are e-invoices.
    public var issuesEInvoices: Bool { self == .aboveFiveCrore }
}

/// The body of `PUT /company`: the whole profile; a field left out is cleared.
public struct CompanyProfile: Sendable, Hashable, Codable {
    /// The name registered with GST.
    public var legalName: String?
    /// The name on the shop front, when it differs.
    public var tradeName: String?
    /// The first line of the address.
    public var addressLine1: String?
    /// The second line of the address.
    public var addressLine2: String?
    /// The town or city.
    public var city: String?
    /// The six-digit PIN code.
    public var pincode: String?
    /// The two-digit GST state code: what "same state" means for tax.
    public var stateCode: String?
    /// The company's GSTIN, registered in ``stateCode``.
    public var gstin: String?
    /// A phone number for the invoice.
    public var phone: String?
    /// An email address for the invoice.
    public var email: String?
    /// The company's drug licences (an empty list when left out).
    public var drugLicences: [DrugLicence]?
    /// Its turnover band; up to ₹5 crore when left out.
    public var turnoverBand: TurnoverBand?
    /// What B2B invoice numbers start with, before the financial year (`INV/` gives
    /// `INV/26-27/000123`); 1–6 letters, digits, `-` or `/`.
    public var invoicePrefix: String?
    /// What counter sale invoice numbers start with (`CS/`).
    public var counterSalePrefix: String?
    /// What credit note numbers start with (`CN/`).
    public var creditNotePrefix: String?

    /// A profile with these fields, as a client sends it.
    public init(
        legalName: String? = nil, tradeName: String? = nil, addressLine1: String? = nil, addressLine2: String? = nil,
        city: String? = nil, pincode: String? = nil, stateCode: String? = nil, gstin: String? = nil,
        phone: String? = nil, email: String? = nil, drugLicences: [DrugLicence]? = nil,
        turnoverBand: TurnoverBand? = nil, invoicePrefix: String? = nil, counterSalePrefix: String? = nil,
        creditNotePrefix: String? = nil
    ) {
        self.legalName = legalName
        self.tradeName = tradeName
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.city = city
        self.pincode = pincode
        self.stateCode = stateCode
        self.gstin = gstin
        self.phone = phone
        self.email = email
        self.drugLicences = drugLicences
        self.turnoverBand = turnoverBand
        self.invoicePrefix = invoicePrefix
        self.counterSalePrefix = counterSalePrefix
        self.creditNotePrefix = creditNotePrefix
    }

    /// What a series prefix must be.
    public static let prefixRule = "must be 1 to 6 letters, digits, '-' or '/', not starting with '0', '-' or '/'"

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        for (value, field, maximum) in [
            (legalName, "legalName", 200), (tradeName, "tradeName", 200), (addressLine1, "addressLine1", 100),
            (addressLine2, "addressLine2", 100), (city, "city", 100),
        ] {
            check.text(value, field, maximum: maximum, required: false)
        }
        check.registration(gstin: gstin, stateCode: stateCode)
        if gstin != nil, stateCode == nil { check.fail("stateCode", "is required with a GSTIN") }
        if let pincode { check.require(PartyRules.isPincode(pincode), "pincode", "must be six digits, not starting 0") }
        if let phone { check.require(PartyRules.isPhone(phone), "phone", PartyRules.phoneRule) }
        if let email {
            check.require(email.count <= 320 && email.contains("@"), "email", "must be an email address")
        }
        DrugLicence.check(drugLicences ?? [], "drugLicences", into: &check)
        let prefixes = [
            ("invoicePrefix", invoicePrefix), ("counterSalePrefix", counterSalePrefix),
            ("creditNotePrefix", creditNotePrefix),
        ]
        for (field, prefix) in prefixes {
            if let prefix { check.require(Self.isPrefix(prefix), field, Self.prefixRule) }
        }
        let given = prefixes.compactMap { field, prefix in prefix.map { (field, $0.uppercased()) } }
        check.unique(
            given.map(\.1), field: { given[$0].0 },
            message: { "is the same as \(given[$0].0): each series has its own" })
        try check.check()
    }

    /// Whether `prefix` may open a series' numbers.
    static func isPrefix(_ prefix: String) -> Bool {
        let upper = prefix.uppercased()
        guard (1...6).contains(upper.count), let first = upper.first, first != "0", first != "-", first != "/" else {
            return false
        }
        return upper.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "/" }
    }

    /// The fields an invoice cannot be issued without, that are still empty.
    public var missingForInvoicing: [String] {
        var missing: [String] = []
        for (value, field) in [
            (legalName, "legalName"), (addressLine1, "addressLine1"), (city, "city"), (pincode, "pincode"),
            (stateCode, "stateCode"), (gstin, "gstin"), (invoicePrefix, "invoicePrefix"),
            (counterSalePrefix, "counterSalePrefix"), (creditNotePrefix, "creditNotePrefix"),
        ] where value == nil {
            missing.append(field)
        }
        if drugLicences?.isEmpty ?? true { missing.append("drugLicences") }
        return missing
    }
}

/// The company profile as the API and `company.updated` show it.
public struct CompanyDocument: Sendable, Codable {
    /// The profile's fields.
    public var profile: CompanyProfile
    /// Its version, for `If-Match`.
    public var version: Int
    /// The fields invoicing still needs (``CompanyProfile/missingForInvoicing``); empty
    /// once invoices can be issued. Not in the event's payload.
    public var missingForInvoicing: [String]?

    enum CodingKeys: String, CodingKey {
        case version, missingForInvoicing
    }

    /// Decodes the profile's fields and the version from one object.
    public init(from decoder: any Decoder) throws {
        profile = try CompanyProfile(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        missingForInvoicing = try container.decodeIfPresent([String].self, forKey: .missingForInvoicing)
    }

    /// Encodes the profile's fields and the version into one object.
    public func encode(to encoder: any Encoder) throws {
        try profile.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(missingForInvoicing, forKey: .missingForInvoicing)
    }
}

/// Rules customers and the company share.
enum PartyRules {
    static let phoneRule = "must be at most 20 digits, spaces, '+' or '-'"

    static func isPincode(_ text: String) -> Bool {
        text.count == 6 && text.allSatisfy { $0.isASCII && $0.isNumber } && text.first != "0"
    }

    static func isPhone(_ text: String) -> Bool {
        (1...20).contains(text.count) && text.allSatisfy { ($0.isASCII && $0.isNumber) || " +-".contains($0) }
            && text.contains { $0.isNumber }
    }
}
