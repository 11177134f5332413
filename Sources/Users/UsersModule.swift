// Users: who may sign in, with their roles.
public import ERPEvents
public import ERPPlatform

/// The event types the users' triggers record (triggers/users.sql); no payload carries
/// the password hash.
public enum UsersEvents {
    /// A user was created.
    public static let userCreated = EventType("user.created")
    /// A user's name, roles or active flag changed.
    public static let userUpdated = EventType("user.updated")
    /// A user's password was set anew.
    public static let passwordChanged = EventType("user.password_changed")
}

/// Users and their roles. Signing in, tokens and the checking of every route's
/// permission come next (see the module's README).
public struct UsersModule: ERPModule {
    /// `users`.
    public let name = "users"

    /// The module.
    public init() {}

    /// The user events, each with the user as the payload.
    public var events: [EventDeclaration] {
        [UsersEvents.userCreated, UsersEvents.userUpdated, UsersEvents.passwordChanged].map {
            EventDeclaration($0, payload: UserDocument.self)
        }
    }

    /// An email is unique however it is capitalised (`users_email_key`).
    public var constraintFields: [String: String] { ["users_email_key": "email"] }
}
