// The write side of users: create, deactivate, set a new password.
import ERPKernel
public import ERPStore
import Logging
public import PostgresNIO

/// A user as `erp users list` shows it.
public struct UserSummary: Sendable, Hashable {
    /// Its id.
    public var id: Int64
    /// The email.
    public var email: String
    /// The name.
    public var name: String
    /// Whether the user may sign in.
    public var active: Bool
    /// The roles held, by name.
    public var roles: [String]
}

/// Users' commands. Each runs in the caller's transaction, after the command context is set.
public enum UserCommands {
    /// Creates `user`, hashing the password with `passwords`, and gives the roles.
    ///
    /// - Returns: The new user's id.
    /// - Throws: ``CommandError`` `.invalid` naming bad fields, `.duplicate` when the
    ///   email is taken (in any capitalisation).
    public static func create(
        _ user: NewUser, passwords: Passwords, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try user.validate() } catch { throw CommandError(error) }
        let hash = try await passwords.hash(user.password)
        let email = user.normalizedEmail
        let id = try await CommandError.uniquely("email", email) {
            try await transaction.insertReturningID(
                """
                INSERT INTO users (email, name, password_hash)
                VALUES (\(email), \(Text.trimmed(user.name)), \(hash)) RETURNING id
                """,
                logger: context.logger
            )
        }
        try await transaction.execute(
            """
            INSERT INTO user_roles (user_id, role)
            SELECT \(id), unnest(\(user.roles.map(\.rawValue))::text[]) ON CONFLICT DO NOTHING
            """,
            logger: context.logger
        )
        return id
    }

    /// Stops the user with `email` from signing in. Deactivating an inactive user changes nothing.
    ///
    /// - Throws: ``CommandError`` `.notFound` when there is no such user.
    public static func deactivate(email: String, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        let id = try await lock(email: email, on: transaction, context: context)
        try await transaction.execute(
            "UPDATE users SET active = false, version = version + 1 WHERE id = \(id) AND active",
            logger: context.logger
        )
    }

    /// Gives the user with `email` a new password.
    ///
    /// - Throws: ``CommandError`` `.notFound`, or `.invalid` for a password the rules refuse.
    public static func resetPassword(
        email: String, password: String, passwords: Passwords, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        var check = Validation()
        UserRules.checkPassword(password, into: &check)
        do { try check.check() } catch { throw CommandError(error) }
        let id = try await lock(email: email, on: transaction, context: context)
        let hash = try await passwords.hash(password)
        try await transaction.execute(
            "UPDATE users SET password_hash = \(hash), version = version + 1, updated_at = now() WHERE id = \(id)",
            logger: context.logger
        )
    }

    /// Every user, by email.
    public static func list(on connection: PostgresConnection, logger: Logger) async throws -> [UserSummary] {
        try await connection.rows(
            """
            SELECT u.id, u.email, u.name, u.active,
                   COALESCE((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '')
              FROM users u
             ORDER BY u.email
            """,
            as: (Int64, String, String, Bool, String).self, logger: logger
        ).map { id, email, name, active, roles in
            UserSummary(
                id: id, email: email, name: name, active: active,
                roles: roles.split(separator: ",").map(String.init))
        }
    }

    private static func lock(email: String, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        let normalized = UserRules.normalized(email)
        guard
            let id = try await transaction.value(
                "SELECT id FROM users WHERE email = \(normalized) FOR UPDATE", as: Int64.self, logger: context.logger)
        else {
            throw CommandError(.notFound, "there is no user \(normalized)")
        }
        return id
    }
}
