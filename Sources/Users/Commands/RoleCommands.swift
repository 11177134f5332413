// Custom roles: named sets of the permissions the routes declare.
public import ERPHTTP
import ERPKernel
public import ERPStore
import Foundation
import Logging
public import PostgresNIO

/// A custom role to create.
public struct NewRole: Sendable, Codable {
    /// Lower case letters and underscores, starting with a letter: `counter_lead`.
    public var name: String
    /// What it is for.
    public var description: String?
    /// Permission names, each one some route declares.
    public var permissions: [String]

    /// A role request.
    public init(name: String, description: String? = nil, permissions: [String]) {
        self.name = name
        self.description = description
        self.permissions = permissions
    }
}

/// Changes to a custom role; absent fields stay.
public struct RoleChanges: Sendable, Codable {
    /// A new description.
    public var description: String?
    /// The new set of permissions, replacing the old.
    public var permissions: [String]?

    /// Changes.
    public init(description: String? = nil, permissions: [String]? = nil) {
        self.description = description
        self.permissions = permissions
    }
}

/// A role as `/api/v1/roles` lists it: a built-in one with what the modules grant it.
public struct RoleView: Sendable, Codable, JSONItem {
    /// Its id.
    public var id: Int64
    /// Its name.
    public var name: String
    /// What it is for.
    public var description: String
    /// Whether it is built in (its permissions come from the code and cannot be edited).
    public var builtIn: Bool
    /// What it holds.
    public var permissions: [String]
    /// Raised by every change (the If-Match of a PATCH).
    public var version: Int
}

/// Roles' commands and queries.
public enum RoleCommands {
    /// Creates custom role `role`.
    ///
    /// - Parameter known: Every permission some route declares.
    /// - Throws: ``CommandError`` `.invalid` naming bad fields, `.duplicate` for a taken name.
    public static func create(
        _ role: NewRole, known: [Permission], on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        var check = Validation()
        check.require(
            role.name.wholeMatch(of: /[a-z][a-z_]{0,39}/) != nil, "name",
            "must be 1-40 lower case letters or underscores, starting with a letter")
        check.text(role.description, "description", maximum: 200, required: false)
        checkPermissions(role.permissions, known: known, into: &check)
        do { try check.check() } catch { throw CommandError(error) }
        return try await CommandError.uniquely("name", role.name) {
            try await transaction.insertReturningID(
                """
                INSERT INTO roles (name, description, permissions)
                VALUES (\(role.name), \(Text.trimmed(role.description ?? "")), \(Array(Set(role.permissions)).sorted()))
                RETURNING id
                """,
                logger: context.logger)
        }
    }

    /// Applies `changes` to custom role `id` at `version`.
    ///
    /// - Throws: ``CommandError`` `.notFound`, `.versionMismatch`, `.invalid` (a built-in
    ///   role, or an unknown permission).
    public static func update(
        id: Int64, version: Int, _ changes: RoleChanges, known: [Permission], on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        guard
            let (current, builtIn) = try await transaction.rows(
                "SELECT version, built_in FROM roles WHERE id = \(id) FOR UPDATE", as: (Int, Bool).self,
                logger: context.logger
            ).first
        else { throw CommandError(.notFound, "there is no role \(id)") }
        guard current == version else {
            throw CommandError(.versionMismatch, "role \(id) is at version \(current), not \(version)")
        }
        var check = Validation()
        check.require(!builtIn, "permissions", "a built-in role holds what the modules grant it and cannot be edited")
        check.text(changes.description, "description", maximum: 200, required: false)
        if let permissions = changes.permissions { checkPermissions(permissions, known: known, into: &check) }
        do { try check.check() } catch { throw CommandError(error) }
        try await transaction.execute(
            """
            UPDATE roles
               SET description = COALESCE(\(changes.description.map(Text.trimmed)), description),
                   permissions = COALESCE(\(changes.permissions.map { Array(Set($0)).sorted() }), permissions),
                   version = version + 1, updated_at = now()
             WHERE id = \(id)
            """,
            logger: context.logger)
    }

    /// Every role, built-in ones first, with what each holds.
    public static func list(
        grants: RoleGrants, known: [Permission], on connection: PostgresConnection, logger: Logger
    ) async throws -> [RoleView] {
        try await connection.rows(
            "SELECT id, name, description, built_in, permissions, version FROM roles ORDER BY NOT built_in, id",
            as: (Int64, String, String, Bool, [String], Int).self, logger: logger
        ).map { id, name, description, builtIn, permissions, version in
            let holds =
                builtIn
                ? grants.permissions(of: Role(rawValue: name), among: known).map(\.rawValue).sorted() : permissions
            return RoleView(
                id: id, name: name, description: description, builtIn: builtIn, permissions: holds, version: version)
        }
    }

    /// Adds an error on `field` unless every one of `roles` exists.
    static func checkRolesExist(
        _ roles: [String], field: String, into check: inout Validation, on connection: PostgresConnection,
        context: CommandContext
    ) async throws {
        guard !roles.isEmpty else { return }
        let existing = try await connection.rows(
            "SELECT name FROM roles WHERE name = ANY(\(roles))", as: String.self, logger: context.logger
        ).map { $0 }
        let unknown = Set(roles).subtracting(existing).sorted()
        check.require(unknown.isEmpty, field, "no such role: \(unknown.joined(separator: ", "))")
    }

    private static func checkPermissions(_ permissions: [String], known: [Permission], into check: inout Validation) {
        let unknown = Set(permissions).subtracting(known.map(\.rawValue)).sorted()
        check.require(
            unknown.isEmpty, "permissions",
            "no route declares \(unknown.joined(separator: ", ")); GET /api/v1/roles lists what the built-in roles hold"
        )
    }
}
