// Why a command was refused. Mapped to HTTP once, at the edge.
public import ERPKernel
import PostgresNIO

/// A refused command; nothing it wrote was committed.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal; the HTTP layer maps each to a status.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as problem+json types and logs name it.
        public let rawValue: String
        /// What went wrong, for people.
        public var description: String { rawValue }

        /// A field breaks a rule.
        public static let invalid = Code(rawValue: "invalid")
        /// The addressed record (or one a field names) does not exist.
        public static let notFound = Code(rawValue: "not-found")
        /// The record changed since the client read it (If-Match).
        public static let versionMismatch = Code(rawValue: "version-mismatch")
        /// An update came without the version it applies to.
        public static let versionRequired = Code(rawValue: "version-required")
        /// A unique value (SKU, code, GSTIN) is taken.
        public static let duplicate = Code(rawValue: "duplicate")
        /// The Idempotency-Key was used before with a different body.
        public static let idempotencyKeyReused = Code(rawValue: "idempotency-key-reused")
        /// A line would take on hand below zero.
        public static let insufficientStock = Code(rawValue: "insufficient-stock")
        /// The document is not in a state that allows the command (approving a received order).
        public static let invalidState = Code(rawValue: "invalid-state")
    }

    /// What kind of failure it is.
    public var code: Code
    /// One sentence for a person.
    public var message: String
    /// The fields at fault, when it is about fields.
    public var fieldErrors: [FieldError]

    /// Creates a refusal.
    public init(_ code: Code, _ message: String, fieldErrors: [FieldError] = []) {
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
    }

    /// The refusal for invalid fields.
    public init(_ invalid: InvalidFields) {
        self.init(.invalid, "the request has invalid fields", fieldErrors: invalid.errors)
    }

    /// What went wrong, for people.
    public var description: String {
        let fields = fieldErrors.map(\.description).joined(separator: "; ")
        return "\(code): \(message)" + (fields.isEmpty ? "" : " (\(fields))")
    }
}

extension CommandError {
    /// Runs `body`, turning a unique violation into `.duplicate` naming `field`.
    public static func uniquely<Result>(
        _ field: String, _ value: String, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError
            where error.sqlState == .uniqueViolation
        {
            throw CommandError(
                .duplicate, "\(field) \(value) is already in use", fieldErrors: [FieldError(field, "is already in use")]
            )
        }
    }
}
