// One LISTEN connection per channel: turns NOTIFY wake-ups into catch-ups.
public import Logging
import PostgresNIO
import Synchronization

/// Owns one dedicated connection that LISTENs on ``channel`` and wakes every subscriber
/// on each notification and after every (re)connect.
///
/// Notifications carry no data: the tables are the truth (`events` for projectors,
/// `jobs` for runners), and a subscriber woken for any reason reads them. The
/// connection never opens a transaction. A lost connection is retried with capped
/// exponential backoff; a safety poll elsewhere covers wake-ups lost in between.
public final class ChannelListener: Sendable {
    /// The channel LISTENed on.
    public let channel: String
    private let database: Database
    private let logger: Logger
    private let subscribers = Mutex<[@Sendable () -> Void]>([])
    private let connected = Atomic<Bool>(false)
    private let connectionCount = Atomic<Int>(0)

    /// Creates a listener on `channel` of `database`; nothing connects until ``run()``.
    public init(channel: String, database: Database, logger: Logger) {
        self.channel = channel
        self.database = database
        self.logger = logger
    }

    /// Adds a signal to wake on every notification, reconnect and ``wakeAll()``.
    public func subscribe(_ wakeUp: WakeUp) {
        subscribe { wakeUp.signal() }
    }

    /// Adds `wake`, called on every notification, reconnect and ``wakeAll()``.
    public func subscribe(_ wake: @escaping @Sendable () -> Void) {
        subscribers.withLock { $0.append(wake) }
    }

    /// Whether the LISTEN connection is up.
    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// How many times the listener has connected; more than one means it reconnected.
    public var connections: Int { connectionCount.load(ordering: .relaxed) }

    /// Listens until the task is cancelled, reconnecting whenever the connection fails.
    public func run() async {
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(5))
        while !Task.isCancelled {
            var failure = "the server ended the LISTEN session"
            do {
                let connection = try await database.connect(as: "erp-listener:\(channel)")
                do {
                    // The LISTEN itself is a query: a connection that closes under it ends it.
                    try await connection.untilClosed { [self, backoff] connection in
                        try await connection.listen(on: channel) { notifications in
                            connected.store(true, ordering: .relaxed)
                            let count = connectionCount.add(1, ordering: .relaxed).newValue
                            if count > 1 {
                                logger.info(
                                    "listener reconnected",
                                    metadata: ["channel": "\(channel)", "attempts": "\(backoff.attempts)"])
                            }
                            // Whatever was written while we were away: catch up before waiting.
                            wakeAll()
                            for try await _ in notifications {
                                wakeAll()
                            }
                        }
                    }
                } catch {
                    failure = databaseErrorMessage(error, configuration: database.configuration)
                }
                try? await connection.close()
            } catch {
                failure = databaseErrorMessage(error, configuration: database.configuration)
            }
            // A session that got as far as LISTEN was a success: retry quickly.
            if connected.exchange(false, ordering: .relaxed) { backoff.reset() }
            if Task.isCancelled { break }
            let delay = backoff.next()
            logger.warning(
                "listener disconnected; retrying",
                metadata: ["channel": "\(channel)", "error": "\(failure)", "retryIn": "\(delay)"])
            try? await Task.sleep(for: delay)
        }
        connected.store(false, ordering: .relaxed)
    }

    /// Wakes every subscriber.
    public func wakeAll() {
        for wake in subscribers.withLock({ $0 }) { wake() }
    }
}
