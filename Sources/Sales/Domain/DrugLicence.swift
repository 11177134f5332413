// Drug licences (Drugs and Cosmetics Rules, 1945): the company's and each customer's.
public import ERPKernel

/// A drug licence: its number, its form and when it is valid.
public struct DrugLicence: Sendable, Hashable, Codable {
    /// The forms a licence is issued in: 20C/20D homeopathic retail/wholesale, 20/21
    /// allopathic retail, 20B/21B allopathic wholesale.
    public static let forms = ["20C", "20D", "20", "21", "20B", "21B"]

    /// The licence number as issued.
    public var number: String
    /// One of ``forms``.
    public var form: String
    /// The first day it is valid.
    public var validFrom: CalendarDate
    /// The last day it is valid.
    public var validUntil: CalendarDate

    /// A licence with these fields.
    public init(number: String, form: String, validFrom: CalendarDate, validUntil: CalendarDate) {
        self.number = number
        self.form = form
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Whether it is valid on `date`.
    public func isValid(on date: CalendarDate) -> Bool { validFrom <= date && date <= validUntil }

    /// Checks `licences`, naming fields `field[i].…`.
    static func check(_ licences: [DrugLicence], _ field: String, into check: inout Validation) {
        check.require(licences.count <= 10, field, "at most 10 licences")
        for (index, licence) in licences.enumerated() {
            let name = "\(field)[\(index)]"
            check.text(licence.number, "\(name).number", maximum: 50)
            check.require(
                forms.contains(licence.form), "\(name).form", "must be one of \(forms.joined(separator: ", "))")
            check.require(licence.validFrom <= licence.validUntil, "\(name).validUntil", "is before validFrom")
        }
        check.unique(
            licences.map { $0.number.uppercased() }, field: { "\(field)[\($0)].number" },
            message: { "repeats the number of \(field)[\($0)]" })
    }
}
