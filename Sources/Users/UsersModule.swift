// Users: who may sign in, with their roles; sessions, tokens and API keys; the check of
// every request's credential.
public import ERPEvents
public import ERPHTTP
public import ERPPlatform
public import PostgresNIO

/// The event types the users' triggers record (triggers/users.sql); no payload carries
/// a password, a token, a key or a hash of one.
public enum UsersEvents {
    /// A user was created.
    public static let userCreated = EventType("user.created")
    /// A user's name, roles or active flag changed.
    public static let userUpdated = EventType("user.updated")
    /// A user's password was set anew.
    public static let passwordChanged = EventType("user.password_changed")
    /// A custom role was created.
    public static let roleCreated = EventType("role.created")
    /// A custom role's permissions or description changed.
    public static let roleUpdated = EventType("role.updated")
    /// An API key was created.
    public static let apiKeyCreated = EventType("api_key.created")
    /// An API key was revoked.
    public static let apiKeyRevoked = EventType("api_key.revoked")
    /// A user signed in: a session began.
    public static let loginSucceeded = EventType("auth.login_succeeded")
    /// A sign-in failed (unknown email, wrong password, inactive user).
    public static let loginFailed = EventType("auth.login_failed")
    /// A session's refresh token was spent for a new pair.
    public static let tokenRefreshed = EventType("auth.token_refreshed")
    /// A session ended before its time: signed out, a reused refresh token, the user
    /// deactivated or given a new password.
    public static let sessionRevoked = EventType("auth.session_revoked")
}

extension Permission {
    /// Listing users, roles and API keys.
    public static let usersRead = Permission("users.read")
    /// Creating and changing users, custom roles and API keys.
    public static let usersManage = Permission("users.manage")
}

/// Users, roles, sessions and API keys, and the authenticator every `/api/v1` route uses.
public struct UsersModule: ERPModule {
    /// `users`.
    public let name = "users"
    /// How people sign in.
    public let settings: AuthenticationSettings
    /// Checked credentials, shared by the authenticator and the routes that change users,
    /// roles, sessions and keys (which invalidate it).
    let cache: PrincipalCache

    /// The module.
    public init(settings: AuthenticationSettings = AuthenticationSettings()) {
        self.settings = settings
        cache = PrincipalCache(lifetime: settings.principalLifetime)
    }

    /// The user, role, key and session events.
    public var events: [EventDeclaration] {
        [UsersEvents.userCreated, UsersEvents.userUpdated, UsersEvents.passwordChanged].map {
            EventDeclaration($0, payload: UserDocument.self)
        } + [
            EventDeclaration(UsersEvents.roleCreated, payload: RoleDocument.self),
            EventDeclaration(UsersEvents.roleUpdated, payload: RoleDocument.self),
            EventDeclaration(UsersEvents.apiKeyCreated, payload: APIKeyDocument.self),
            EventDeclaration(UsersEvents.apiKeyRevoked, payload: APIKeyDocument.self),
            EventDeclaration(UsersEvents.loginSucceeded, payload: SessionDocument.self),
            EventDeclaration(UsersEvents.tokenRefreshed, payload: SessionDocument.self),
            EventDeclaration(UsersEvents.sessionRevoked, payload: SessionDocument.self),
            EventDeclaration(UsersEvents.loginFailed, payload: LoginFailureDocument.self),
        ]
    }

    /// Sign-in, users, roles and API keys.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        UsersRoutes(
            client: client,
            authentication: Authentication(client: client, settings: settings, grants: api.grants, cache: cache)
        )
        .register(on: api)
    }

    /// Access tokens and API keys.
    public func authenticator(client: PostgresClient, grants: RoleGrants) -> (any RequestAuthenticator)? {
        Authentication(client: client, settings: settings, grants: grants, cache: cache)
    }

    /// An email is unique however it is capitalised (`users_email_key`); so is a role's name.
    public var constraintFields: [String: String] { ["users_email_key": "email", "roles_name_key": "name"] }
}
