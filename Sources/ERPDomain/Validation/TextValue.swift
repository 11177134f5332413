// Values parsed from text (GSTIN, HSN code, date): JSON carries them as that text.

/// A value that is valid text; decoding refuses invalid text with the value's own problem.
public protocol TextValue: Codable, CustomStringConvertible {
    associatedtype Problem: Error, CustomStringConvertible
    /// Parses and validates `text`.
    init(_ text: String) throws(Problem)
}

extension TextValue {
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
        try container.encode(description)
    }
}
