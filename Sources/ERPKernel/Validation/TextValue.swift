// Values parsed from text (GSTIN, HSN code, date): JSON carries them as that text.

/// A value that is valid text; decoding refuses invalid text with the value's own problem.
public protocol TextValue: Codable, CustomStringConvertible {
    associatedtype Problem: Error, CustomStringConvertible
    /// Parses and validates `text`.
    init(_ text: String) throws(Problem)
    /// Some valid value, for a decoder that must put something in place of an invalid
    /// field to go on checking the others (the whole body is refused anyway).
    static var standIn: Self { get }
}

extension TextValue {
    /// Decodes it from JSON text, refusing what is not valid.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Encodes it in its JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
