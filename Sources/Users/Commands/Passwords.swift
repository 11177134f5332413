// Password hashing: bcrypt, off the cooperative threads.
import HummingbirdBcrypt
import NIOPosix

/// Hashes and checks passwords with bcrypt (hummingbird-auth's), on NIO's blocking pool:
/// a hash at cost 12 takes a quarter of a second of CPU, which must not hold up the
/// tasks serving requests.
public struct Passwords: Sendable {
    /// log2 of bcrypt's rounds.
    public var cost: UInt8

    /// The default cost; each step up doubles the time a hash takes.
    public static let defaultCost: UInt8 = 12

    /// Hashing at `cost` (4…31; below 10 is for tests only).
    public init(cost: UInt8 = Passwords.defaultCost) {
        self.cost = min(max(cost, 4), 31)
    }

    /// A new salted hash of `password`: two hashes of one password differ.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash` (bcrypt compares in constant time).
    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
