// Enums stored as a text column: decoded straight from rows and written as binds.
public import PostgresNIO

/// A Swift enum whose cases are a text column's values (a document's `status`, a
/// projector's `state`). Rows decode into it and binds encode it through its raw value
/// (postgres-nio's RawRepresentable coding); a stored value the enum does not know fails
/// decoding. Such an enum is not also Codable: postgres-nio would then have two ways to
/// code it.
public protocol StoredEnum: RawRepresentable<String>, CaseIterable, PostgresCodable, Sendable {}

extension StoredEnum {
    /// Every case's stored text, for a query parameter's allowed values.
    public static var storedValues: [String] { allCases.map(\.rawValue) }
}
