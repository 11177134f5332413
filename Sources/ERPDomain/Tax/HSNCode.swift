// Harmonized System of Nomenclature codes, as GST uses them.

/// An HSN code of 4, 6 or 8 digits (e.g. 3004 for medicaments, 30049011 for homeopathic ones).
public struct HSNCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The digits.
    public let value: String

    /// Why a text is not an HSN code.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String { "an HSN code is 4, 6 or 8 digits" }
    }

    /// Validates `text`.
    ///
    /// - Throws: ``Problem`` unless `text` is 4, 6 or 8 ASCII digits.
    public init(_ text: String) throws(Problem) {
        guard [4, 6, 8].contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw Problem() }
        value = text
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
