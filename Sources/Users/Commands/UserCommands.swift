// The write side of users: create, change, deactivate, set a new password.
import ERPHTTP
import ERPKernel
public import ERPStore
import Foundation
public import Logging
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
        var check = Validation()
        do { try user.validate() } catch { for problem in error.errors { check.fail(problem.field, problem.message) } }
        try await RoleCommands.checkRolesExist(
            user.roles.map(\.rawValue), field: "roles", into: &check, on: transaction, context: context)
        do { try check.check() } catch { throw CommandError(error) }
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

    /// Stops the user with `email` from signing in and ends their sessions. Deactivating
    /// an inactive user changes nothing.
    ///
    /// - Throws: ``CommandError`` `.notFound` when there is no such user.
    public static func deactivate(email: String, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        let id = try await lock(email: email, on: transaction, context: context)
        try await transaction.execute(
            "UPDATE users SET active = false, version = version + 1, updated_at = now() WHERE id = \(id) AND active",
            logger: context.logger
        )
        try await endSessions(of: id, reason: "user_deactivated", on: transaction, context: context)
    }

    /// Applies `changes` to user `id` at `version`: name, active flag, roles.
    ///
    /// - Throws: ``CommandError`` `.notFound`, `.versionMismatch`, `.invalid` naming bad
    ///   fields (an unknown role, or an administrator taking the last active admin's role away).
    public static func update(
        id: Int64, version: Int, _ changes: UserChanges, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        guard
            let current = try await transaction.value(
                "SELECT version FROM users WHERE id = \(id) FOR UPDATE", as: Int.self, logger: context.logger)
        else { throw CommandError(.notFound, "there is no user \(id)") }
        guard current == version else {
            throw CommandError(.versionMismatch, "user \(id) is at version \(current), not \(version)")
        }
        var check = Validation()
        check.text(changes.name, "name", maximum: 200, required: false)
        if let roles = changes.roles {
            try await RoleCommands.checkRolesExist(
                roles.map(\.rawValue), field: "roles", into: &check, on: transaction, context: context)
        }
        do { try check.check() } catch { throw CommandError(error) }
        if let roles = changes.roles {
            try await transaction.execute(
                """
                DELETE FROM user_roles WHERE user_id = \(id) AND role <> ALL(\(roles.map(\.rawValue)));
                """,
                logger: context.logger)
            try await transaction.execute(
                """
                INSERT INTO user_roles (user_id, role)
                SELECT \(id), unnest(\(roles.map(\.rawValue))::text[]) ON CONFLICT DO NOTHING
                """,
                logger: context.logger)
        }
        try await transaction.execute(
            """
            UPDATE users SET name = COALESCE(\(changes.name.map(Text.trimmed)), name),
                   active = COALESCE(\(changes.active), active), version = version + 1, updated_at = now()
             WHERE id = \(id)
            """,
            logger: context.logger)
        let admins = try await transaction.value(
            """
            SELECT count(*)::int FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.active
            """,
            as: Int.self, logger: context.logger)
        if admins == 0 {
            throw CommandError(
                .invalid, "the last active administrator cannot be deactivated or lose the admin role",
                fieldErrors: [FieldError(changes.roles != nil ? "roles" : "active", "would leave no active admin")])
        }
        if changes.active == false {
            try await endSessions(of: id, reason: "user_deactivated", on: transaction, context: context)
        }
    }

    /// User `id` as the API and the events show it.
    public static func document(id: Int64, on connection: PostgresConnection, logger: Logger) async throws
        -> UserDocument
    {
        // One row always; its value is NULL when there is no such user.
        guard
            case .some(.some(let json)) = try await connection.value(
                "SELECT user_document(jsonb_build_object('id', \(id)))::text", as: String?.self, logger: logger)
        else { throw CommandError(.notFound, "there is no user \(id)") }
        return try JSONDecoder().decode(UserDocument.self, from: Data(json.utf8))
    }

    /// Revokes every live session of user `id`.
    static func endSessions(of id: Int64, reason: String, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        try await transaction.execute(
            """
            UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
             WHERE user_id = \(id) AND revoked_at IS NULL
            """,
            logger: context.logger)
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
        try await endSessions(of: id, reason: "password_changed", on: transaction, context: context)
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
