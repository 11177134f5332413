// Roles, API keys, sessions and failed sign-ins as the events carry them: never a
// secret, a token or a hash.
public import Foundation

/// A role as `role.*` events carry it and `/api/v1/roles` shows it.
public struct RoleDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// Its name: what users and keys are given.
    public var name: String
    /// What it is for.
    public var description: String
    /// What a custom role holds (a built-in role's come from the code and show in `/roles`).
    public var permissions: [String]
    /// Whether it is one of the seven every database has.
    public var builtIn: Bool
    /// Raised by every change.
    public var version: Int
    /// When it was created.
    public var createdAt: String
    /// When it last changed.
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, description, permissions, version
        case builtIn = "built_in"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// An API key as `api_key.*` events carry it and `/api/v1/api-keys` shows it.
public struct APIKeyDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// What it is for: `tally-export`.
    public var name: String
    /// The key's visible start, `erpk_` and eight hex digits: how people tell keys apart.
    public var prefix: String
    /// The roles it acts with.
    public var roles: [String]
    /// Who created it (an actor, `user:1`).
    public var createdBy: String
    /// When.
    public var createdAt: String
    /// When it was revoked; `nil` while it works.
    public var revokedAt: String?
    /// When it was last used (to the minute); listed by the API, not carried by events.
    public var lastUsedAt: String?
    /// Raised by every change.
    public var version: Int
}

/// A session as `auth.login_succeeded`, `auth.token_refreshed` and `auth.session_revoked` carry it.
public struct SessionDocument: Sendable, Codable, Hashable {
    /// Its id, which access tokens name.
    public var id: UUID
    /// Who signed in.
    public var userId: Int64
    /// Their email.
    public var email: String
    /// Raised by every refresh.
    public var generation: Int
    /// Where they signed in from.
    public var clientAddress: String?
    /// When it ends unless revoked first.
    public var expiresAt: String
    /// Why it was revoked: `signed_out`, `refresh_token_reused`, `user_deactivated`, `password_changed`.
    public var revokedReason: String?
}

/// A failed sign-in as `auth.login_failed` carries it.
public struct LoginFailureDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// The email as typed, in lower case.
    public var email: String
    /// Where the attempt came from.
    public var clientAddress: String?
    /// `unknown_email`, `wrong_password` or `inactive`; the caller was told only that the
    /// email or the password is wrong.
    public var reason: String
    /// When.
    public var failedAt: String

    enum CodingKeys: String, CodingKey {
        case id, email, reason
        case clientAddress = "client_address"
        case failedAt = "failed_at"
    }
}
