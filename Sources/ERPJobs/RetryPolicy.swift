// How long a failed job waits before its next attempt.

/// Capped exponential backoff with jitter: attempt n waits a random time between half
/// and all of `base × 2^(n-1)`, never more than `maximum`. The jitter spreads retries of
/// jobs that failed together (a webhook endpoint that was down).
public struct RetryPolicy: Sendable, Hashable {
    /// The delay after the first failure.
    public var base: Duration
    /// The longest delay.
    public var maximum: Duration

    /// Creates a policy; the defaults go 1 s, 2 s, 4 s … up to an hour.
    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(3600)) {
        self.base = base
        self.maximum = maximum
    }

    /// The wait after failed attempt `attempt` (from 1).
    public func delay(after attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 40)
        let full = min(base * Double(1 << min(exponent, 30)), maximum)
        return full * Double.random(in: 0.5...1.0, using: &random)
    }

    /// The wait after failed attempt `attempt`, with the system's randomness.
    public func delay(after attempt: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(after: attempt, using: &random)
    }
}
