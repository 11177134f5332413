// A coalescing wake-up: any number of signals while the sleeper is busy count as one.
import Synchronization

/// A signal with one consumer. Signals that arrive while the consumer is busy fold
/// into one pending wake-up, so a burst of notifications costs one catch-up.
public final class WakeUp: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let finished = Atomic<Bool>(false)

    /// Creates a signal with nothing pending.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the consumer, now or when it next waits.
    public func signal() {
        continuation.yield()
    }

    /// Ends the wake-ups: the consumer's loop ends after the pending one.
    public func finish() {
        finished.store(true, ordering: .relaxed)
        continuation.finish()
    }

    /// Whether ``finish()`` was called: long work checks this between steps.
    public var isFinished: Bool { finished.load(ordering: .relaxed) }

    /// The wake-ups, for the single consumer to iterate.
    public var wakeUps: AsyncStream<Void> { stream }
}
