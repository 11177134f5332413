// Why a command was refused. Mapped to HTTP once, at the edge.
public import ERPKernel
import PostgresNIO

/// A refused command; nothing it wrote was committed.
public struct CommandError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal. Modules declare codes of their own (`insufficientStock`);
    /// the HTTP layer maps each code's ``Kind`` to a status.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// What the client did wrong, in the terms HTTP answers with.
        public enum Kind: Sendable, Hashable {
            /// The input breaks a rule (422).
            case invalid
            /// The thing addressed does not exist (404).
            case notFound
            /// The input is fine but the records' state refuses it (409).
            case conflict
            /// The record changed since the client read it (412).
            case versionMismatch
            /// An update came without the version it applies to (428).
            case versionRequired
        }

        /// The code as problem+json types and logs name it.
        public let rawValue: String
        /// How the HTTP layer answers it.
        public let kind: Kind
        /// What went wrong, for people.
        public var description: String { rawValue }

        /// A code named `rawValue` (lowercase words joined by `-`) of `kind`.
        public init(rawValue: String, kind: Kind) {
            self.rawValue = rawValue
            self.kind = kind
        }

        /// A field breaks a rule.
        public static let invalid = Code(rawValue: "invalid", kind: .invalid)
        /// The addressed record (or one a field names) does not exist.
        public static let notFound = Code(rawValue: "not-found", kind: .notFound)
        /// The record changed since the client read it (If-Match).
        public static let versionMismatch = Code(rawValue: "version-mismatch", kind: .versionMismatch)
        /// An update came without the version it applies to.
        public static let versionRequired = Code(rawValue: "version-required", kind: .versionRequired)
        /// A unique value (SKU, code, GSTIN) is taken.
        public static let duplicate = Code(rawValue: "duplicate", kind: .conflict)
        /// The Idempotency-Key was used before with a different body.
        public static let idempotencyKeyReused = Code(rawValue: "idempotency-key-reused", kind: .invalid)
        /// The document is not in a state that allows the command (approving a received order).
        public static let invalidState = Code(rawValue: "invalid-state", kind: .conflict)
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
