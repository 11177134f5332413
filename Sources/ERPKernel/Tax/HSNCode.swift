// Harmonized System of Nomenclature codes, as GST uses them.

/// An HSN code of 4, 6 or 8 digits (e.g. 3004 for medicaments, 30049011 for homeopathic ones).
public struct HSNCode: Sendable, Hashable, TextValue {
    /// The digits.
    public let value: String

    /// Why a text is not an HSN code.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String { "an HSN code is 4, 6 or 8 digits" }
    }

    /// Validates `text`.
    ///
    /// - Throws: ``Problem`` unless `text` is 4, 6 or 8 ASCII digits.
    public init(_ text: String) throws(Problem) {
        guard [4, 6, 8].contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw Problem() }
        value = text
    }

    /// What went wrong, for people.
    public var description: String { value }

    /// A valid value for a decoder to put in place of an invalid field.
    public static var standIn: HSNCode { HSNCode(checked: "3004") }

    private init(checked value: String) {
        self.value = value
    }

}
