// API keys for integrations: created by an administrator, shown once, kept as a hash.
import Crypto
import ERPHTTP
import ERPKernel
public import ERPStore
import Foundation
import Logging
public import PostgresNIO

/// A key to create.
public struct NewAPIKey: Sendable, Codable {
    /// What it is for: `tally-export`.
    public var name: String
    /// The roles it acts with (at least one).
    public var roles: [String]

    /// A key request.
    public init(name: String, roles: [String]) {
        self.name = name
        self.roles = roles
    }
}

/// A created key: the only time the whole key is shown.
public struct CreatedAPIKey: Sendable, Codable {
    /// The key as stored, without its secret.
    public var apiKey: APIKeyDocument
    /// The whole key, `erpk_<8 hex>_<secret>`: send it as `Authorization: Bearer …`. It
    /// cannot be shown again.
    public var key: String
}

/// API keys' commands and rules.
public enum APIKeys {
    /// What every key starts with.
    public static let prefix = "erpk_"

    /// `erpk_` and the eight hex digits after it, when `key` is shaped like a key.
    static func visiblePrefix(of key: String) -> String? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "erpk", parts[1].count == 8,
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }), parts[2].count >= 40
        else { return nil }
        return "erpk_\(parts[1])"
    }

    /// Creates `key` with roles that exist.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming bad fields.
    public static func create(_ key: NewAPIKey, on transaction: PostgresConnection, context: CommandContext)
        async throws -> CreatedAPIKey
    {
        var check = Validation()
        check.text(key.name, "name", maximum: 100)
        check.require(!key.roles.isEmpty, "roles", "must name at least one role")
        try await RoleCommands.checkRolesExist(
            key.roles, field: "roles", into: &check, on: transaction, context: context)
        do { try check.check() } catch { throw CommandError(error) }
        let visible =
            "erpk_"
            + SymmetricKey(size: .bits128).withUnsafeBytes { bytes in
                bytes.prefix(4).hexadecimal
            }
        let whole = Secret.make(prefix: visible + "_")
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO api_keys (name, prefix, secret_hash, created_by)
            VALUES (\(Text.trimmed(key.name)), \(visible), \(Secret.hash(whole)), \(context.actor)) RETURNING id
            """,
            logger: context.logger)
        try await transaction.execute(
            """
            INSERT INTO api_key_roles (api_key_id, role)
            SELECT \(id), unnest(\(key.roles)::text[]) ON CONFLICT DO NOTHING
            """,
            logger: context.logger)
        return CreatedAPIKey(apiKey: try await document(id: id, on: transaction, logger: context.logger), key: whole)
    }

    /// Revokes key `id`: it stops working at once. Revoking a revoked key changes nothing.
    ///
    /// - Throws: ``CommandError`` `.notFound`.
    public static func revoke(id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws
        -> APIKeyDocument
    {
        let updated = try await transaction.value(
            """
            UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()),
                   version = version + CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END
             WHERE id = \(id) RETURNING id
            """,
            as: Int64.self, logger: context.logger)
        guard updated != nil else { throw CommandError(.notFound, "there is no API key \(id)") }
        return try await document(id: id, on: transaction, logger: context.logger)
    }

    /// Key `id` as the API shows it, with when it was last used.
    static func document(id: Int64, on connection: PostgresConnection, logger: Logger) async throws
        -> APIKeyDocument
    {
        guard
            case .some(.some(let json)) = try await connection.value(
                "SELECT api_key_document(jsonb_build_object('id', \(id)))::text", as: String?.self, logger: logger)
        else { throw CommandError(.notFound, "there is no API key \(id)") }
        return try JSONDecoder().decode(APIKeyDocument.self, from: Data(json.utf8))
    }
}
