// What is wrong with one field of a command, in words a user can act on.

/// One bad field: its JSON path (`lines[2].quantity`) and what is wrong with it.
public struct FieldError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The field's path in the request body, dotted, with `[index]` for array elements.
    public var field: String
    /// What is wrong, e.g. "must be greater than zero".
    public var message: String

    /// Creates a field error.
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// What went wrong, for people.
    public var description: String { "\(field): \(message)" }
}

/// Collects field errors while a command is checked, then throws them all at once.
public struct Validation: Sendable {
    /// The errors found so far.
    public private(set) var errors: [FieldError] = []

    /// Starts with no errors.
    public init() {}

    /// Records `message` against `field` unless `condition` holds.
    public mutating func require(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { errors.append(FieldError(field, message)) }
    }

    /// Records an error against `field`.
    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field, message))
    }

    /// Records an error for each element whose key repeats an earlier element's.
    ///
    /// - Parameters:
    ///   - keys: One key per element, e.g. each line's product.
    ///   - field: The field to blame for element `index`.
    ///   - message: What to say, given the index of the element it repeats.
    public mutating func unique<Key: Hashable>(_ keys: [Key], field: (Int) -> String, message: (Int) -> String) {
        var first: [Key: Int] = [:]
        for (index, key) in keys.enumerated() {
            if let earlier = first[key] {
                fail(field(index), message(earlier))
            } else {
                first[key] = index
            }
        }
    }

    /// Checks a text's length after trimming, when present.
    public mutating func text(_ value: String?, _ field: String, maximum: Int, required: Bool = true) {
        guard let value else {
            if required { fail(field, "is required") }
            return
        }
        let length = value.trimmingSpaces.count
        if length == 0 {
            if required { fail(field, "must not be empty") }
        } else if length > maximum {
            fail(field, "must be at most \(maximum) characters")
        }
    }

    /// Throws ``InvalidFields`` when any error was recorded.
    public func check() throws(InvalidFields) {
        if !errors.isEmpty { throw InvalidFields(errors: errors) }
    }
}

/// A command whose fields break the rules; nothing was written.
public struct InvalidFields: Error, Sendable, CustomStringConvertible {
    /// Every bad field, in the order found.
    public var errors: [FieldError]

    /// Creates the error from its field errors.
    public init(errors: [FieldError]) {
        self.errors = errors
    }

    /// What went wrong, for people.
    public var description: String { errors.map(\.description).joined(separator: "; ") }
}
