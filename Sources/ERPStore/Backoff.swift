// Capped exponential backoff with jitter, for reconnects and retries.

/// Delays that double from `initial` up to `maximum`, each drawn at random from the
/// upper half of its step so that many clients retrying at once spread out.
public struct Backoff: Sendable {
    /// The first delay.
    public var initial: Duration
    /// The longest delay.
    public var maximum: Duration
    private var attempt = 0

    /// Creates a backoff starting at `initial` and never waiting longer than `maximum`.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt; each call moves one step up.
    public mutating func next() -> Duration {
        let step = min(initial * (1 << min(attempt, 30)), maximum)
        attempt += 1
        return step / 2 + step / 2 * Double.random(in: 0...1)
    }

    /// Starts again from `initial`, after a success.
    public mutating func reset() { attempt = 0 }

    /// How many delays have been handed out since the last reset.
    public var attempts: Int { attempt }
}
