// Access tokens: short-lived JWTs (HS256, jwt-kit) that name a user and a session.
import Crypto
import Foundation
import JWTKit

/// The secret that signs access tokens: from `ERP_JWT_KEY`, a key file, or made up at
/// start for development (`--dev-insecure-key`).
public struct TokenKey: Sendable {
    /// The key's bytes.
    let bytes: [UInt8]

    /// The fewest bytes accepted: HS256 wants a key as long as its hash.
    public static let minimumLength = 32

    /// A key of `secret`'s UTF-8 bytes (surrounding whitespace trimmed, as a key file's newline).
    ///
    /// - Throws: ``TokenKeyError`` when it is shorter than ``minimumLength`` bytes.
    public init(secret: String) throws(TokenKeyError) {
        let bytes = Array(secret.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard bytes.count >= Self.minimumLength else { throw TokenKeyError(length: bytes.count) }
        self.bytes = bytes
    }

    /// A random key that lives as long as the process: tokens die with a restart.
    public static func random() -> TokenKey {
        TokenKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// A signing key too short to be safe.
public struct TokenKeyError: Error, CustomStringConvertible {
    /// How many bytes it had.
    public var length: Int

    /// What is wrong.
    public var description: String {
        "the token key has \(length) bytes; it needs at least \(TokenKey.minimumLength) "
            + "(e.g. `openssl rand -base64 48`)"
    }
}

/// What an access token says: who, which session, until when.
struct AccessClaims: JWTPayload {
    /// The user's id.
    var sub: SubjectClaim
    /// The session's id.
    var sid: String
    /// Issued at.
    var iat: IssuedAtClaim
    /// Expires at.
    var exp: ExpirationClaim
    /// Always `erpcore`.
    var iss: IssuerClaim

    func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
        guard iss.value == AccessTokens.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer")
        }
    }
}

/// Signs and checks access tokens with one HS256 key.
struct AccessTokens: Sendable {
    static let issuer = "erpcore"
    /// How long an access token is good for.
    let lifetime: Duration
    private let keys: Task<JWTKeyCollection, Never>

    init(key: TokenKey, lifetime: Duration) {
        self.lifetime = lifetime
        let bytes = key.bytes
        keys = Task {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: bytes), digestAlgorithm: .sha256)
            return keys
        }
    }

    /// A token for `userID` in `session`, good for ``lifetime``.
    func sign(userID: Int64, session: UUID, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: String(userID)), sid: session.uuidString.lowercased(), iat: .init(value: now),
            exp: .init(value: now.addingTimeInterval(lifetime.seconds)), iss: .init(value: Self.issuer))
        return try await keys.value.sign(claims)
    }

    /// The user and session `token` names, when its signature, algorithm, issuer and expiry hold.
    func verify(_ token: String) async -> (userID: Int64, session: UUID)? {
        guard let claims = try? await keys.value.verify(token, as: AccessClaims.self),
            let userID = Int64(claims.sub.value), let session = UUID(uuidString: claims.sid)
        else { return nil }
        return (userID, session)
    }
}

extension Duration {
    /// In seconds, with the fraction.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
