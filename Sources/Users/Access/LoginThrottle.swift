// Failed sign-ins slow the next ones down, per account and per client address.
import ERPHTTP
import ERPStore
import Foundation
import HTTPTypes
import Logging
import PostgresNIO

/// After `threshold` failed sign-ins in a row (for an account: since its last success),
/// the next attempt waits `base`, doubling with every further failure up to `cap`;
/// an attempt too early is refused with 429 and `Retry-After` (and not counted).
public struct LoginThrottle: Sendable {
    /// Failures of one email before attempts are delayed.
    public var accountThreshold: Int
    /// Failures from one address before attempts from it are delayed.
    public var addressThreshold: Int
    /// The first delay.
    public var base: Duration
    /// The longest delay.
    public var cap: Duration
    /// Failures older than this are forgotten.
    public var window: Duration

    /// A throttle; the defaults delay an account after 3 failures and an address after 10,
    /// from 1 second up to 15 minutes, forgetting failures after an hour.
    public init(
        accountThreshold: Int = 3, addressThreshold: Int = 10, base: Duration = .seconds(1),
        cap: Duration = .seconds(900), window: Duration = .seconds(3600)
    ) {
        self.accountThreshold = accountThreshold
        self.addressThreshold = addressThreshold
        self.base = base
        self.cap = cap
        self.window = window
    }

    /// The delay after `failures` failures, when `failures` reached `threshold`.
    func delay(failures: Int, threshold: Int) -> Double? {
        guard failures >= threshold else { return nil }
        let doublings = min(failures - threshold, 30)
        return min(base.seconds * Double(1 << doublings), cap.seconds)
    }

    /// - Throws: ``Problem`` 429 with `Retry-After` when `email` or `address` must wait.
    func check(email: String, address: String?, on transaction: PostgresConnection, logger: Logger) async throws {
        let window = Int(window.seconds)
        guard
            let (accountFailures, accountElapsed, addressFailures, addressElapsed) = try await transaction.rows(
                """
                WITH since AS (
                    SELECT GREATEST(now() - make_interval(secs => \(window)),
                                    COALESCE((SELECT max(s.created_at) FROM auth_sessions s JOIN users u ON u.id = s.user_id
                                               WHERE u.email = \(email)), '-infinity')) AS at
                ), account AS (
                    SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - max(failed_at))::float8 AS elapsed
                      FROM login_failures, since WHERE email = \(email) AND failed_at > since.at
                ), address AS (
                    SELECT count(*)::int AS n, EXTRACT(EPOCH FROM now() - max(failed_at))::float8 AS elapsed
                      FROM login_failures
                     WHERE client_address = \(address) AND failed_at > now() - make_interval(secs => \(window))
                )
                SELECT account.n, account.elapsed, address.n, address.elapsed FROM account, address
                """,
                as: (Int, Double?, Int, Double?).self, logger: logger
            ).first
        else { return }
        let waits = [
            delay(failures: accountFailures, threshold: accountThreshold).map { $0 - (accountElapsed ?? 0) },
            delay(failures: addressFailures, threshold: addressThreshold).map { $0 - (addressElapsed ?? 0) },
        ].compactMap { $0 }.filter { $0 > 0 }
        if let wait = waits.max() {
            var problem = Problem(
                .tooManyRequests, slug: "too-many-sign-in-attempts", title: "Too Many Requests",
                detail: "too many failed sign-ins: try again in \(Int(wait.rounded(.up))) seconds")
            problem.retryAfter = Int(wait.rounded(.up))
            throw problem
        }
    }
}
