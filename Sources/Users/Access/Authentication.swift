// Signing in, refreshing, signing out, and checking the bearer credential of every
// request: access tokens (JWT), refresh tokens (rotated, reuse revokes the session) and
// API keys.
import Crypto
public import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
public import PostgresNIO
import Synchronization

/// How the users module signs people in.
public struct AuthenticationSettings: Sendable {
    /// What signs access tokens; `nil` in a process that serves no API (`erp worker`):
    /// every credential is then refused.
    public var tokenKey: TokenKey?
    /// How long an access token is good for.
    public var accessTokenLifetime: Duration
    /// How long a session lasts from sign-in, however often it is refreshed.
    public var sessionLifetime: Duration
    /// How failed sign-ins slow the next ones down.
    public var throttle: LoginThrottle
    /// The bcrypt cost of new password hashes.
    public var bcryptCost: UInt8
    /// How long a checked credential is trusted without asking the database again; what
    /// another process changes (a user deactivated by `erp users`) takes up to this long
    /// to reach this one. Zero asks on every request.
    public var principalLifetime: Duration

    /// Settings; access tokens last 15 minutes, sessions 30 days, a checked credential 2 s.
    public init(
        tokenKey: TokenKey? = nil, accessTokenLifetime: Duration = .seconds(15 * 60),
        sessionLifetime: Duration = .seconds(30 * 24 * 3600), throttle: LoginThrottle = LoginThrottle(),
        bcryptCost: UInt8 = Passwords.defaultCost, principalLifetime: Duration = .seconds(2)
    ) {
        self.tokenKey = tokenKey
        self.accessTokenLifetime = accessTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.throttle = throttle
        self.bcryptCost = bcryptCost
        self.principalLifetime = principalLifetime
    }
}

/// What a sign-in or a refresh answers.
public struct TokenPair: Sendable, Codable {
    /// The bearer token for `Authorization`.
    public var accessToken: String
    /// Always `Bearer`.
    public var tokenType: String
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// What `POST /auth/refresh` takes for a new pair; good once.
    public var refreshToken: String
}

/// Signs users in and checks every request's credential.
public struct Authentication: RequestAuthenticator {
    let client: PostgresClient
    let settings: AuthenticationSettings
    let grants: RoleGrants
    let passwords: Passwords
    let tokens: AccessTokens?
    /// Principals of recently checked credentials, shared by every copy made for one module.
    let cache: PrincipalCache
    /// A hash to check a password against when the email is unknown, so that an unknown
    /// email takes as long to refuse as a wrong password.
    private let decoy = DecoyHash()

    /// Sign-in on `client`; `grants` is what the modules grant the built-in roles; `cache`
    /// is shared with whatever else changes users, roles, sessions or keys in this process.
    public init(client: PostgresClient, settings: AuthenticationSettings, grants: RoleGrants, cache: PrincipalCache) {
        self.client = client
        self.cache = cache
        self.settings = settings
        self.grants = grants
        let passwords = Passwords(cost: settings.bcryptCost)
        self.passwords = passwords
        tokens = settings.tokenKey.map { AccessTokens(key: $0, lifetime: settings.accessTokenLifetime) }
    }

    static let wrongCredentials = "the email or the password is wrong"

    // MARK: Signing in

    /// Signs `email` in with `password`: a session, an access token and a refresh token.
    ///
    /// Every failure says the same (``wrongCredentials``) and is recorded (`auth.login_failed`);
    /// after too many, attempts are refused with 429 until the delay has passed.
    public func login(email: String, password: String, request: ERPRequestContext) async throws -> TokenPair {
        let tokens = try tokenSigner()
        let email = UserRules.normalized(email)
        guard email.count <= 320, !password.isEmpty else { throw Problem.unauthorized(Self.wrongCredentials) }
        let context = CommandContext(
            actor: "anonymous", requestID: request.requestID, clientAddress: request.clientAddress,
            logger: request.logger)
        enum Outcome: Sendable {
            case signedIn(TokenPair)
            case refused
        }
        let outcome: Outcome = try await client.withLiveConnection { connection in
            try await connection.inTransaction(logger: context.logger) { transaction in
                try await context.apply(to: transaction)
                try await transaction.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended('login:' || \(email), 0))", logger: context.logger)
                try await settings.throttle.check(
                    email: email, address: request.clientAddress, on: transaction, logger: context.logger)
                let account = try await transaction.rows(
                    "SELECT id, password_hash, active FROM users WHERE email = \(email)",
                    as: (Int64, String, Bool).self, logger: context.logger
                ).first
                let reason: String
                if let (id, hash, active) = account {
                    let matches = try await passwords.verify(password, hash: hash)
                    if matches, active {
                        return .signedIn(try await startSession(userID: id, email: email, tokens, transaction, context))
                    }
                    reason = matches ? "inactive" : "wrong_password"
                } else {
                    _ = try await passwords.verify(password, hash: try await decoy.hash(passwords))
                    reason = "unknown_email"
                }
                try await transaction.execute(
                    """
                    INSERT INTO login_failures (email, client_address, reason)
                    VALUES (\(email), \(request.clientAddress), \(reason))
                    """,
                    logger: context.logger)
                return .refused
            }
        }
        switch outcome {
        case .signedIn(let pair): return pair
        case .refused: throw Problem.unauthorized(Self.wrongCredentials)
        }
    }

    private func startSession(
        userID: Int64, email: String, _ tokens: AccessTokens, _ transaction: PostgresConnection,
        _ context: CommandContext
    ) async throws -> TokenPair {
        var signedIn = context
        signedIn.actor = "user:\(userID)"
        signedIn.actorName = email
        try await signedIn.apply(to: transaction)
        let lifetime = Int(settings.sessionLifetime.seconds)
        guard
            let session = try await transaction.value(
                """
                INSERT INTO auth_sessions (user_id, client_address, expires_at)
                VALUES (\(userID), \(context.clientAddress), now() + make_interval(secs => \(lifetime)))
                RETURNING id
                """,
                as: UUID.self, logger: context.logger)
        else { throw CommandError(.notFound, "the session was not created") }
        return try await issue(userID: userID, session: session, generation: 1, tokens, transaction, context)
    }

    /// A new access token and the refresh token of `generation`.
    private func issue(
        userID: Int64, session: UUID, generation: Int, _ tokens: AccessTokens, _ transaction: PostgresConnection,
        _ context: CommandContext
    ) async throws -> TokenPair {
        let refresh = Secret.make(prefix: "erpr_")
        try await transaction.execute(
            """
            INSERT INTO refresh_tokens (token_hash, session_id, generation)
            VALUES (\(Secret.hash(refresh)), \(session), \(generation))
            """,
            logger: context.logger)
        return TokenPair(
            accessToken: try await tokens.sign(userID: userID, session: session), tokenType: "Bearer",
            expiresIn: Int(tokens.lifetime.seconds), refreshToken: refresh)
    }

    // MARK: Refreshing and signing out

    /// A new pair for a refresh token of the current generation; the presented one is
    /// spent. A spent one presented again revokes its whole session.
    public func refresh(_ refreshToken: String, request: ERPRequestContext) async throws -> TokenPair {
        let tokens = try tokenSigner()
        let context = CommandContext(
            actor: "anonymous", requestID: request.requestID, clientAddress: request.clientAddress,
            logger: request.logger)
        enum Outcome: Sendable {
            case refreshed(TokenPair)
            case reused
            case ended
        }
        let outcome: Outcome = try await client.withLiveConnection { connection in
            try await connection.inTransaction(logger: context.logger) { transaction in
                guard
                    let (session, generation, current, live, userID, email) = try await transaction.rows(
                        """
                        SELECT s.id, t.generation, s.generation,
                               s.revoked_at IS NULL AND s.expires_at > now() AND u.active, u.id, u.email
                          FROM refresh_tokens t
                          JOIN auth_sessions s ON s.id = t.session_id
                          JOIN users u ON u.id = s.user_id
                         WHERE t.token_hash = \(Secret.hash(refreshToken))
                           FOR UPDATE OF s
                        """,
                        as: (UUID, Int, Int, Bool, Int64, String).self, logger: context.logger
                    ).first
                else { return .ended }
                var acting = context
                acting.actor = "user:\(userID)"
                acting.actorName = email
                try await acting.apply(to: transaction)
                guard live else { return .ended }
                guard generation == current else {
                    try await transaction.execute(
                        """
                        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused'
                         WHERE id = \(session)
                        """,
                        logger: context.logger)
                    return .reused
                }
                try await transaction.execute(
                    "UPDATE auth_sessions SET generation = generation + 1, refreshed_at = now() WHERE id = \(session)",
                    logger: context.logger)
                return .refreshed(
                    try await issue(
                        userID: userID, session: session, generation: current + 1, tokens, transaction, acting))
            }
        }
        cache.invalidate()
        switch outcome {
        case .refreshed(let pair): return pair
        case .ended: throw Problem.unauthorized("the refresh token is not known, or its session has ended")
        case .reused:
            throw Problem.unauthorized(
                "this refresh token was already used, so its session is revoked: sign in again")
        }
    }

    /// Revokes the session of the access token the request came with (`signed_out`).
    static func logout(session: UUID, on transaction: PostgresConnection, context: CommandContext) async throws {
        try await transaction.execute(
            """
            UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'signed_out'
             WHERE id = \(session) AND revoked_at IS NULL
            """,
            logger: context.logger)
    }

    private func tokenSigner() throws -> AccessTokens {
        guard let tokens else { throw Problem.unauthorized("this process signs no one in") }
        return tokens
    }

    // MARK: Every request

    /// The user of a valid access token whose session is live, or the API key `erpk_…`.
    public func principal(for credential: String, context: ERPRequestContext) async throws -> Principal {
        if credential.hasPrefix(APIKeys.prefix) { return try await apiKeyPrincipal(credential, context: context) }
        guard let tokens, let (userID, session) = await tokens.verify(credential) else {
            throw Problem.unauthorized("the access token is not valid: malformed, forged or expired")
        }
        let key = "session:\(session.uuidString)/\(userID)"
        let generation: UInt64
        switch cache.lookup(key) {
        case .hit(let principal): return principal
        case .miss(let current): generation = current
        }
        // On a live connection: a pooled one whose backend died must fail the request (503), not hang it.
        let found = try await client.withLiveConnection { connection in
            try await connection.rows(
                """
                SELECT u.email,
                       ARRAY(SELECT r.role FROM user_roles r WHERE r.user_id = u.id ORDER BY r.role),
                       ARRAY(SELECT DISTINCT p FROM user_roles r JOIN roles ro ON ro.name = r.role, unnest(ro.permissions) p
                              WHERE r.user_id = u.id)
                  FROM auth_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = \(session) AND u.id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active
                """,
                as: (String, [String], [String]).self, logger: context.logger)
        }
        for (email, roles, permissions) in found {
            let principal = Principal(
                actor: "user:\(userID)", name: email, roles: roles.map(Role.init(rawValue:)),
                customPermissions: Set(permissions.map(Permission.init(rawValue:))), grants: grants,
                session: session.uuidString.lowercased())
            cache.store(principal, for: key, generation: generation)
            return principal
        }
        throw Problem.unauthorized("the session has ended (signed out, revoked or expired): sign in again")
    }

    private func apiKeyPrincipal(_ key: String, context: ERPRequestContext) async throws -> Principal {
        guard let prefix = APIKeys.visiblePrefix(of: key) else {
            throw Problem.unauthorized("the API key is not valid")
        }
        let hash = Secret.hash(key)
        let cacheKey = "key:" + hash.hexadecimal
        let generation: UInt64
        switch cache.lookup(cacheKey) {
        case .hit(let principal): return principal
        case .miss(let current): generation = current
        }
        let found = try await client.withLiveConnection { connection in
            try await connection.rows(
                """
                SELECT k.id, k.name, k.secret_hash, k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute',
                       ARRAY(SELECT r.role FROM api_key_roles r WHERE r.api_key_id = k.id ORDER BY r.role),
                       ARRAY(SELECT DISTINCT p FROM api_key_roles r JOIN roles ro ON ro.name = r.role,
                                    unnest(ro.permissions) p WHERE r.api_key_id = k.id)
                  FROM api_keys k
                 WHERE k.prefix = \(prefix) AND k.revoked_at IS NULL
                """,
                as: (Int64, String, Data, Bool, [String], [String]).self, logger: context.logger)
        }
        for (id, name, storedHash, stale, roles, permissions) in found {
            guard Secret.constantTimeEqual(hash, storedHash) else { break }
            if stale {
                _ = try await client.withLiveConnection { connection in
                    try await connection.execute(
                        "UPDATE api_keys SET last_used_at = now() WHERE id = \(id)", logger: context.logger)
                }
            }
            let principal = Principal(
                actor: "api_key:\(id)", name: name, roles: roles.map(Role.init(rawValue:)),
                customPermissions: Set(permissions.map(Permission.init(rawValue:))), grants: grants)
            cache.store(principal, for: cacheKey, generation: generation)
            return principal
        }
        throw Problem.unauthorized("the API key is not valid, or it was revoked")
    }
}

/// A hash of a random password at the configured cost, made when first needed.
final class DecoyHash: Sendable {
    private let made = Mutex<String?>(nil)

    func hash(_ passwords: Passwords) async throws -> String {
        if let hash = made.withLock({ $0 }) { return hash }
        let hash = try await passwords.hash(Secret.make(prefix: ""))
        made.withLock { $0 = $0 ?? hash }
        return hash
    }
}

/// Random secrets and their hashes.
enum Secret {
    /// `prefix` and 32 random bytes in base64url.
    static func make(prefix: String) -> String {
        prefix + base64URL(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// Base64url without padding.
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Its SHA-256: what is stored of a high-entropy secret (a refresh token, an API key).
    static func hash(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// Whether `a` and `b` are equal, in a time that depends only on their length.
    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
