// What the watchdog sees of one projector runner.
import ERPStore
import NIOCore
import PostgresNIO
import Synchronization

/// Whether a runner's step is under way and when it last made progress, its connection
/// (which a restart closes) and its restarts so far.
final class RunnerHealth: Sendable {
    private struct State {
        var stepStarted: ContinuousClock.Instant?
        var progressedAt: ContinuousClock.Instant = .now
        var connection: PostgresConnection?
        var backendPID: Int32?
        var restarts = 0
    }
    private let state = Mutex(State())

    /// A step (connecting, taking the lock, a catch-up) starts.
    func beginStep() {
        state.withLock {
            $0.stepStarted = .now
            $0.progressedAt = .now
        }
    }

    /// The step in flight moved on (a batch was read or committed).
    func progressed() {
        state.withLock { $0.progressedAt = .now }
    }

    /// The step ended: the runner waits for a wake-up, which is not a stall.
    func endStep() {
        state.withLock { $0.stepStarted = nil }
    }

    func attach(_ connection: PostgresConnection, backendPID: Int32) {
        state.withLock {
            $0.connection = connection
            $0.backendPID = backendPID
        }
    }

    func detach() {
        state.withLock {
            $0.connection = nil
            $0.backendPID = nil
            $0.stepStarted = nil
        }
    }

    /// How long the step in flight has gone without progress; `nil` when none is in flight.
    func withoutProgress(at now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in state.stepStarted.map { _ in now - state.progressedAt } }
    }

    /// Counts a restart and closes the connection, which ends the step in flight.
    ///
    /// - Returns: The restarts so far, and the server process of the closed connection:
    ///   it may hold the projector's lock until it notices, so the watchdog ends it.
    func restart() -> (restarts: Int, backendPID: Int32?) {
        let (connection, backendPID, restarts) = state.withLock { state in
            state.restarts += 1
            state.progressedAt = .now
            return (state.connection, state.backendPID, state.restarts)
        }
        let closing: EventLoopFuture<Void>? = connection?.close()
        _ = closing
        return (restarts, backendPID)
    }

    var restarts: Int { state.withLock { $0.restarts } }
}
