// Work on a connection that ends as soon as the connection closes, whatever PostgresNIO does.
public import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Runs `work` on this connection and returns what it returns, or throws
    /// ``ConnectionClosed`` as soon as the connection closes first.
    ///
    /// PostgresNIO 1.33.2 writes a query to its channel with no promise for the write
    /// (`channel.write(task, promise: nil)`). When the channel has closed in the meantime
    /// (a terminated backend, a dropped network) the write fails silently and the query's
    /// own promise is never completed: the caller waits for ever, and task cancellation
    /// does not reach it. Upstream's fix was reverted and the mirror has no newer version.
    ///
    /// Every long-lived loop and every request therefore runs its queries inside this:
    /// `work` runs in a task of its own, and the connection closing races it. When the
    /// connection closes first, the caller is resumed at once with ``ConnectionClosed``
    /// and `work`'s task is cancelled; if it is stuck on such a query it stays suspended
    /// on it and holds only what it captured — a bounded leak per lost connection, the
    /// price of not waiting for ever. When `work` finishes first, nothing is left behind.
    ///
    /// Cancelling the caller cancels `work`; the caller resumes when `work` ends or the
    /// connection closes, whichever comes first.
    ///
    /// - Parameter work: The queries to run; it gets this connection.
    /// - Throws: ``ConnectionClosed`` when the connection closed first; otherwise what `work` throws.
    public func untilClosed<Result: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let race = ClosingRace<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                race.start(continuation, watching: self) { try await work(self) }
            }
        } onCancel: {
            race.cancel()
        }
    }
}

extension PostgresClient {
    /// Leases a pooled connection and runs `work` on it through
    /// ``PostgresNIO/PostgresConnection/untilClosed(_:)``, so a request whose connection
    /// dies is answered instead of waiting for ever.
    ///
    /// - Throws: ``ConnectionClosed`` when the leased connection closed under `work`;
    ///   otherwise what leasing or `work` throws.
    public func withLiveConnection<Result: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in try await connection.untilClosed(work) }
    }
}

/// Something waiting on a connection that must hear when it closes.
private protocol CloseListener: AnyObject, Sendable {
    func connectionClosed()
}

/// The races in flight on each open connection. A connection's `closeFuture` gets one
/// callback for its whole life (a callback per call would pile up on a pooled or
/// long-lived connection, since a future's callbacks cannot be removed); it fails every
/// race still registered. An entry goes when its connection closes; it also remembers
/// its connection weakly, so an identifier reused by a new connection (after one that
/// was released without closing, which PostgresNIO forbids) never inherits its entry.
private enum CloseWatch {
    struct Entry {
        weak var connection: PostgresConnection?
        var listeners: [ObjectIdentifier: any CloseListener]
    }

    static let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// Registers `listener` on `connection`; `false` when the connection is already closed.
    static func register(_ listener: any CloseListener, on connection: PostgresConnection) -> Bool {
        let key = ObjectIdentifier(connection)
        let watchNow: Bool? = entries.withLock { entries in
            if entries[key]?.connection === connection {
                entries[key]?.listeners[ObjectIdentifier(listener)] = listener
                return false
            }
            if connection.isClosed { return nil }
            entries[key] = Entry(connection: connection, listeners: [ObjectIdentifier(listener): listener])
            return true
        }
        guard let watchNow else { return false }
        if watchNow {
            // Runs at once if the connection closed since the check above.
            connection.closeFuture.whenComplete { [weak connection] _ in closed(key, connection) }
        }
        return true
    }

    static func unregister(_ listener: any CloseListener, from connection: PostgresConnection) {
        let key = ObjectIdentifier(connection)
        entries.withLock { entries in
            guard entries[key]?.connection === connection else { return }
            _ = entries[key]?.listeners.removeValue(forKey: ObjectIdentifier(listener))
        }
    }

    private static func closed(_ key: ObjectIdentifier, _ connection: PostgresConnection?) {
        let waiting = entries.withLock { entries -> [ObjectIdentifier: any CloseListener] in
            // A gone connection's entry is stale whoever holds the identifier now.
            guard let entry = entries[key], entry.connection === connection || entry.connection == nil else {
                return [:]
            }
            entries.removeValue(forKey: key)
            return entry.listeners
        }
        for listener in waiting.values { listener.connectionClosed() }
    }
}

/// `work` against the connection closing: the first outcome resumes the caller.
private final class ClosingRace<Result: Sendable>: CloseListener {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var task: Task<Void, Never>?
        var connection: PostgresConnection?
        var cancelled = false
    }
    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<Result, any Error>, watching connection: PostgresConnection,
        _ work: @escaping @Sendable () async throws -> Result
    ) {
        state.withLock {
            $0.continuation = continuation
            $0.connection = connection
        }
        guard CloseWatch.register(self, on: connection) else {
            finish(.failure(ConnectionClosed()))
            return
        }
        // Unstructured on purpose: a child task could not be left behind on a query that
        // is never answered, and leaving it behind is the point (see untilClosed).
        let task = Task {
            do { finish(.success(try await work())) } catch { finish(.failure(error)) }
        }
        let cancelled = state.withLock { state in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    func connectionClosed() {
        finish(.failure(ConnectionClosed()))
    }

    func finish(_ outcome: Swift.Result<Result, any Error>) {
        let (continuation, task, connection) = state.withLock { state in
            defer {
                state.continuation = nil
                state.connection = nil
            }
            return (state.continuation, state.task, state.connection)
        }
        guard let continuation else { return }
        if let connection { CloseWatch.unregister(self, from: connection) }
        continuation.resume(with: outcome)
        if case .failure = outcome { task?.cancel() }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            return state.task
        }?.cancel()
    }
}
