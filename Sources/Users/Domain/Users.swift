// Users as commands take them and events carry them, and the rules they keep.
public import ERPHTTP
public import ERPKernel
import Foundation

/// A user as the `user.*` events carry it: never the password hash.
public struct UserDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// The email, in lower case: the name to sign in with.
    public var email: String
    /// The name people know the user by.
    public var name: String
    /// Whether the user may sign in.
    public var active: Bool
    /// Raised by every change.
    public var version: Int
    /// The roles the user holds.
    public var roles: [String]
}

/// A user to create.
public struct NewUser: Sendable, Codable {
    /// The email, as typed: it is trimmed and stored in lower case.
    public var email: String
    /// The name people know the user by.
    public var name: String
    /// The password, in clear, only until it is hashed.
    public var password: String
    /// The roles to give.
    public var roles: [Role]

    /// A user with these fields.
    public init(email: String, name: String, password: String, roles: [Role]) {
        self.email = email
        self.name = name
        self.password = password
        self.roles = roles
    }

    /// The email as stored.
    public var normalizedEmail: String { UserRules.normalized(email) }

    /// - Throws: ``InvalidFields`` naming each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        UserRules.checkEmail(normalizedEmail, into: &check)
        check.text(name, "name", maximum: 200)
        UserRules.checkPassword(password, into: &check)
        try check.check()
    }
}

/// Changes to a user; absent fields stay.
public struct UserChanges: Sendable, Codable {
    /// A new name.
    public var name: String?
    /// `false` stops the user signing in and ends their sessions; `true` lets them again.
    public var active: Bool?
    /// The roles the user holds from now on, replacing the old.
    public var roles: [Role]?

    /// Changes.
    public init(name: String? = nil, active: Bool? = nil, roles: [Role]? = nil) {
        self.name = name
        self.active = active
        self.roles = roles
    }
}

/// The rules of user records.
public enum UserRules {
    /// The shortest password accepted.
    public static let minimumPasswordLength = 12
    /// The longest: bcrypt reads only the first 72 bytes.
    public static let maximumPasswordBytes = 72

    /// Trimmed and in lower case.
    public static func normalized(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// An address with one `@`, a dot in the domain, no spaces, at most 254 characters.
    public static func checkEmail(_ email: String, into check: inout Validation) {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && email.count <= 254 && !email.contains(where: \.isWhitespace)
        check.require(valid, "email", "must be an email address such as asha@example.in")
    }

    /// At least ``minimumPasswordLength`` characters and at most ``maximumPasswordBytes`` bytes.
    public static func checkPassword(_ password: String, into check: inout Validation) {
        check.require(
            password.count >= minimumPasswordLength, "password",
            "must be at least \(minimumPasswordLength) characters")
        check.require(
            password.utf8.count <= maximumPasswordBytes, "password",
            "must be at most \(maximumPasswordBytes) bytes (bcrypt reads no further)")
    }
}
