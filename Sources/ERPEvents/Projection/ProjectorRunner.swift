// Keeps one projector caught up: exactly once, in order, one active instance cluster-wide.
public import ERPStore
public import Logging
public import PostgresNIO
import Synchronization

/// Runs one ``Projector`` on its own connection.
///
/// - One active instance across all processes: the runner holds a session advisory
///   lock on its connection; a runner that cannot take it stands by and retries on
///   every wake-up, so it takes over when the holder's connection dies.
/// - Exactly once: each batch and its checkpoint move commit in one transaction, the
///   checkpoint by compare-and-set on the old pair.
/// - Failures: a batch that throws is retried event by event; an event that keeps
///   failing ``Configuration/maximumFailures`` times stalls this projector (state,
///   error and position in `projector_checkpoints`) while the others keep running.
public final class ProjectorRunner: Sendable {
    /// Tuning for a runner.
    public struct Configuration: Sendable {
        /// Events scanned per transaction.
        public var batchSize: Int
        /// Consecutive failures of one event before the projector is stalled.
        public var maximumFailures: Int
        /// First delay between retries of a failing event; it doubles up to `maximumRetryDelay`.
        public var retryDelay: Duration
        /// Longest delay between retries of a failing event.
        public var maximumRetryDelay: Duration
        /// How often progress through events of other types alone is stored (it needs no
        /// transaction of its own until then).
        public var skippedCheckpointInterval: Duration
        /// How long an idle runner trusts the checkpoint it remembers before reading the
        /// stored one again, to notice a pause, a reset or a replay's swap.
        public var checkpointRecheckInterval: Duration
        /// Longest pause between looks while committed events wait behind an older open
        /// transaction (the pipeline sets its safety poll's interval).
        public var heldBackMaximumDelay: Duration

        /// Creates a configuration; the defaults suit production.
        public init(
            batchSize: Int = 1000,
            maximumFailures: Int = 5,
            retryDelay: Duration = .milliseconds(200),
            maximumRetryDelay: Duration = .seconds(10),
            skippedCheckpointInterval: Duration = .seconds(1),
            checkpointRecheckInterval: Duration = .seconds(1),
            heldBackMaximumDelay: Duration = .seconds(1)
        ) {
            self.batchSize = batchSize
            self.maximumFailures = maximumFailures
            self.retryDelay = retryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.skippedCheckpointInterval = skippedCheckpointInterval
            self.checkpointRecheckInterval = checkpointRecheckInterval
            self.heldBackMaximumDelay = heldBackMaximumDelay
        }
    }

    /// What one catch-up achieved.
    public enum Outcome: Sendable, Equatable {
        /// Read everything below the horizon; `applied` events of its types were applied.
        case caughtUp(applied: Int)
        /// Like ``caughtUp(applied:)``, but committed events wait above the horizon for an
        /// older open transaction; the runner looks again soon instead of waiting for a
        /// notification, since that transaction may end without one.
        case heldBack(applied: Int)
        /// The projector is stalled or paused and waits for `erp projections resume`.
        case stalled
        /// Asked to stop between batches.
        case stopped

        /// Events applied before the catch-up ended.
        public var applied: Int {
            switch self {
            case .caughtUp(let applied), .heldBack(let applied): applied
            case .stalled, .stopped: 0
            }
        }
    }

    /// The checkpoint moved under us (another instance, a replay's swap or a reset moved
    /// it) or the projector was paused.
    struct CheckpointConflict: Error, CustomStringConvertible {
        var projector: String
        var description: String { "the checkpoint of \(projector) was moved or the projector paused" }
    }

    /// The projector this runner keeps up to date.
    public let projector: any Projector
    /// Signalled by the listener and the safety poll; finished to stop the runner.
    public let wakeUp = WakeUp()
    let database: Database
    let configuration: Configuration
    let reader: EventReader
    /// The pipeline's one read of the log for all its runners, and this runner's column in it.
    let shared: (read: SharedLogRead, column: Int)?
    let logger: Logger
    private let active = Atomic<Bool>(false)
    /// A look again at held-back events is scheduled (there is at most one).
    private let lookAgainPending = Atomic<Bool>(false)
    /// The shared read's generation of the last batch read: a look again needs a later one.
    private let lastReadGeneration = Atomic<Int>(0)
    /// What the pipeline's watchdog reads: whether a step is under way and when it last progressed.
    let health = RunnerHealth()

    /// The stored checkpoint as this runner last saw it, and how far it has read past it
    /// through events of other types only. Skipping those needs no transaction; the
    /// checkpoint catches up with them every `skippedCheckpointInterval` (or with the next
    /// applied batch), so a projector that ignores most events does not commit once per
    /// event. Forgetting this (a restart) only means reading those events again.
    /// `verifiedAt` is when the stored checkpoint was last read or moved by this runner.
    private struct Position {
        var stored: EventCheckpoint
        var reached: EventCheckpoint
        var storedAt: ContinuousClock.Instant
        var verifiedAt: ContinuousClock.Instant
    }

    private let lastSeen = Mutex<Position?>(nil)

    /// Whether this instance holds the projector's lock and applies events.
    public var isActive: Bool { active.load(ordering: .relaxed) }

    /// How long the step under way (connecting, taking the lock, catching up) has gone
    /// without progress; `nil` while the runner waits for a wake-up.
    public var timeWithoutProgress: Duration? { health.withoutProgress() }

    /// How often the watchdog restarted this runner since the process started.
    public var restarts: Int { health.restarts }

    /// Abandons the step under way by closing the runner's connection; the runner
    /// reconnects and resumes from its checkpoint, as after any lost connection.
    ///
    /// - Returns: The restarts so far, and the server process id of the closed connection
    ///   (it holds the projector's lock until it notices the close), when it had one.
    public func restart() -> (restarts: Int, backendPID: Int32?) {
        health.restart()
    }

    /// Creates a runner; nothing connects until ``run()``.
    public convenience init(
        projector: any Projector, database: Database, configuration: Configuration = .init(), logger: Logger
    ) {
        self.init(projector: projector, database: database, configuration: configuration, shared: nil, logger: logger)
    }

    /// Creates a runner that reads its batches through `shared` (a pipeline's runners).
    init(
        projector: any Projector, database: Database, configuration: Configuration,
        shared: (read: SharedLogRead, column: Int)?, logger: Logger
    ) {
        self.shared = shared
        self.projector = projector
        self.database = database
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "projector"] = "\(projector.name)"
        self.logger = logger
        self.reader = EventReader(logger: logger)
    }

    /// Advisory lock key space of projectors (the two-key form, so it never meets the migration lock).
    static let lockSpace: Int32 = 0x4550_524A

    /// The `application_name` of a runner's connection: the projector, then the host and
    /// process, which `erp projections status` shows for the holder and the standbys.
    static func applicationName(for projector: String) -> String {
        let prefix = "\(applicationPrefix(for: projector))\(ProcessIdentity.pid)@"
        // PostgreSQL keeps 63 bytes of it; the host gives way.
        let room = max(0, 63 - prefix.utf8.count)
        return prefix + String(decoding: ProcessIdentity.host.utf8.prefix(room), as: UTF8.self)
    }

    /// What every runner connection of `projector` is named with, up to the process.
    static func applicationPrefix(for projector: String) -> String { "\(applicationKind)\(projector) " }

    /// What every runner connection's name starts with.
    static let applicationKind = "erp-projector:"

    /// Catches up on every wake-up until ``wakeUp`` is finished or the task is cancelled.
    ///
    /// Reconnects with backoff when its connection fails or closes; the batch in flight
    /// then rolls back with the connection and is applied again after reconnecting.
    /// Every step runs through `untilClosed`, so a closed connection ends it at once
    /// (PostgresNIO 1.33 never answers a query written to a closed connection).
    public func run() async {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var wakeUps = wakeUp.wakeUps.makeAsyncIterator()
        while !wakeUp.isFinished, !Task.isCancelled {
            var connection: PostgresConnection?
            do {
                health.beginStep()
                let opened = try await database.connect(as: Self.applicationName(for: projector.name))
                connection = opened
                // A projector's transactions write only what the log can rebuild, and the
                // read model moves with its checkpoint: a crash that loses the last commits
                // just means applying those events again. Not waiting for the WAL flush
                // keeps several projectors from queueing on fsync at every event.
                let backendPID = try await opened.untilClosed { [logger] in
                    try await $0.query("SET synchronous_commit = off", logger: logger)
                    return try await $0.value("SELECT pg_backend_pid()", as: Int32.self, logger: logger) ?? 0
                }
                health.attach(opened, backendPID: backendPID)
                health.endStep()
                if backoff.attempts > 0 {
                    // Events may have arrived while disconnected: catch up without waiting.
                    lookAgain()
                }
                backoff.reset()
                try await serve(on: opened, wakeUps: &wakeUps)
                active.store(false, ordering: .relaxed)
                health.detach()
                try? await opened.close()
                return
            } catch {
                active.store(false, ordering: .relaxed)
                health.detach()
                try? await connection?.close()
                if wakeUp.isFinished || Task.isCancelled { return }
                let delay = backoff.next()
                logger.warning(
                    "projector lost its connection; reconnecting",
                    metadata: [
                        "error": "\(databaseErrorMessage(error, configuration: database.configuration))",
                        "retryIn": "\(delay)",
                    ]
                )
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// Catches up on `connection` at every wake-up until the wake-ups end.
    private func serve(on connection: PostgresConnection, wakeUps: inout AsyncStream<Void>.Iterator) async throws {
        var holdsLock = false
        // An event held back by an older open transaction becomes readable when that
        // transaction ends, which may send no notification: look again after a growing
        // pause, up to the safety poll's interval, or sooner when a notification comes.
        // At most one look-again is pending: the wake-ups it sends fold into one anyway,
        // and each held-back outcome adding its own would multiply the looks.
        var patience = Backoff(initial: .milliseconds(1), maximum: configuration.heldBackMaximumDelay)
        try await withThrowingDiscardingTaskGroup { lookAgain in
            while await wakeUps.next() != nil {
                // Batches the pipeline read from this wake-up's generation on are fresh enough.
                let generation = shared?.read.generation ?? 0
                health.beginStep()
                defer { health.endStep() }
                if !holdsLock {
                    holdsLock = try await connection.untilClosed { [self] in try await tryToBecomeActive(on: $0) }
                    guard holdsLock else { continue }
                    active.store(true, ordering: .relaxed)
                    logger.info("projector active")
                }
                let outcome = try await connection.untilClosed { [self] in
                    try await catchUp(on: $0, generation: generation)
                }
                guard case .heldBack(let applied) = outcome else {
                    patience.reset()
                    continue
                }
                // Under steady writes a newer event is nearly always above the horizon;
                // while events keep being applied, stay quick.
                if applied > 0 { patience.reset() }
                guard lookAgainPending.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
                else { continue }
                let pause = patience.next()
                lookAgain.addTask { [self] in
                    try? await Task.sleep(for: pause)
                    lookAgainPending.store(false, ordering: .relaxed)
                    self.lookAgain()
                }
            }
            lookAgain.cancelAll()
        }
    }

    /// Wakes this runner alone, to a batch read after the last one it had (which the
    /// other runners looking again at the same time share).
    private func lookAgain() {
        shared?.read.advance(toAtLeast: lastReadGeneration.load(ordering: .relaxed) + 1)
        wakeUp.signal()
    }

    /// Takes this projector's advisory lock on `connection` if no other session holds it.
    ///
    /// - Returns: Whether this session now holds the lock (and so may apply events).
    public func tryToBecomeActive(on connection: PostgresConnection) async throws -> Bool {
        // Another instance may have moved the checkpoint while this one stood by.
        lastSeen.withLock { $0 = nil }
        try await projector.ensureCheckpointRow(on: connection, logger: logger)
        let rows = try await connection.query(
            "SELECT pg_try_advisory_lock(\(Self.lockSpace), hashtext(\(projector.name)))",
            logger: logger
        )
        var locked = false
        for try await granted in rows.decode(Bool.self) { locked = granted }
        if locked {
            try await connection.query(
                """
                UPDATE projector_checkpoints SET holder = \(ProcessIdentity.description), holder_since = now()
                 WHERE name = \(projector.name)
                """,
                logger: logger
            )
        }
        return locked
    }

    /// Applies batches until nothing is left below the horizon, the projector stalls,
    /// or the runner is asked to stop.
    ///
    /// Call it only on a connection for which ``tryToBecomeActive(on:)`` returned `true`.
    ///
    /// - Throws: Connection failures; projector errors are retried and end in ``Outcome/stalled``.
    public func catchUp(on connection: PostgresConnection) async throws -> Outcome {
        // Called without a wake-up: nothing read before this call answers for the log.
        shared?.read.advance()
        return try await catchUp(on: connection, generation: shared?.read.generation ?? 0)
    }

    /// ``catchUp(on:)`` for a runner woken in `generation`: batches of the shared read
    /// begun since then answer for the log.
    func catchUp(on connection: PostgresConnection, generation: Int) async throws -> Outcome {
        var readAhead = ReadAhead(database: database, projector: projector.name, logger: logger)
        do {
            let outcome = try await catchUp(on: connection, generation: generation, readAhead: &readAhead)
            await readAhead.close()
            return outcome
        } catch {
            await readAhead.close()
            throw error
        }
    }

    /// ``catchUp(on:generation:)`` with `readAhead` reading each batch after a full one
    /// while that one is applied.
    private func catchUp(on connection: PostgresConnection, generation: Int, readAhead: inout ReadAhead)
        async throws -> Outcome
    {
        // While this runner holds the lock only it applies events, so it reads the stored
        // checkpoint once; a stall, a takeover or a conflict makes it read it again, and
        // so does an idle spell, in which an operator may have paused or reset it.
        var remembered = lastSeen.withLock { $0 }
        if let seen = remembered, ContinuousClock.now - seen.verifiedAt >= configuration.checkpointRecheckInterval {
            guard let loaded = try await loadCheckpoint(on: connection) else {
                lastSeen.withLock { $0 = nil }
                return .stalled
            }
            if loaded == seen.stored {
                remembered = Position(
                    stored: seen.stored, reached: seen.reached, storedAt: seen.storedAt, verifiedAt: .now)
            } else {
                logger.info(
                    "checkpoint moved by a reset or a replay; continuing from it", metadata: ["checkpoint": "\(loaded)"]
                )
                remembered = Position(stored: loaded, reached: loaded, storedAt: .now, verifiedAt: .now)
            }
        }
        var stored: EventCheckpoint
        if let remembered {
            stored = remembered.stored
        } else {
            guard let loaded = try await loadCheckpoint(on: connection) else { return .stalled }
            stored = loaded
        }
        var storedAt = remembered?.storedAt ?? .now
        var verifiedAt = remembered?.verifiedAt ?? .now
        var checkpoint = remembered?.reached ?? stored
        var keep = true
        defer {
            lastSeen.withLock { [stored, checkpoint, storedAt, verifiedAt, keep] in
                $0 =
                    keep
                    ? Position(stored: stored, reached: checkpoint, storedAt: storedAt, verifiedAt: verifiedAt) : nil
            }
        }
        /// Starts again from the stored checkpoint, moved by another instance, a replay or a
        /// reset; `false` when stalled or paused.
        func reloadAfterConflict() async throws -> Bool {
            logger.info("checkpoint moved or projector paused; reloading it")
            guard let reloaded = try await loadCheckpoint(on: connection) else {
                keep = false
                return false
            }
            (stored, checkpoint, verifiedAt) = (reloaded, reloaded, .now)
            return true
        }
        var applied = 0
        // After a batch fails, events are applied one per transaction up to the end
        // of that batch, so a failure names its event and the good ones still land.
        var isolateUntil: EventCheckpoint?
        var failures = 0
        var retry = Backoff(initial: configuration.retryDelay, maximum: configuration.maximumRetryDelay)
        while true {
            if wakeUp.isFinished || Task.isCancelled { return .stopped }
            health.progressed()
            let batch: EventReader.Batch
            var prepared: (any Sendable)?
            if isolateUntil == nil, let ready = try await readAhead.take(after: checkpoint, runner: connection) {
                (batch, prepared) = (ready.batch, ready.prepared)
            } else if let shared, isolateUntil == nil {
                let read = try await shared.read.read(
                    for: shared.column, after: checkpoint, limit: configuration.batchSize, generation: generation,
                    on: connection)
                batch = read.batch
                lastReadGeneration.store(read.generation, ordering: .relaxed)
            } else {
                batch = try await reader.read(
                    after: checkpoint, types: projector.eventTypes,
                    limit: isolateUntil == nil ? configuration.batchSize : 1, payloadSQL: projector.payloadSQL,
                    on: connection
                )
            }
            if let end = batch.end, !batch.isLast, !batch.events.isEmpty, isolateUntil == nil {
                // A backlog: the next batch is read while this one is applied.
                await readAhead.start(after: end, reader: reader, projector: projector, limit: configuration.batchSize)
            }
            if let end = batch.end, batch.events.isEmpty, isolateUntil == nil {
                // Only events of other types: nothing to apply, nothing to commit.
                checkpoint = end
            } else if let end = batch.end {
                logger.trace(
                    "applying a batch",
                    metadata: [
                        "after": "\(checkpoint)", "end": "\(end)", "scanned": "\(batch.scanned)",
                        "events": "\(batch.events.count)",
                    ]
                )
                do {
                    try await connection.inTransaction(logger: logger) { [prepared] transaction in
                        if !batch.events.isEmpty {
                            try await projector.apply(batch.events, prepared: prepared, in: transaction, logger: logger)
                        }
                        try await moveCheckpoint(from: stored, to: end, on: transaction)
                    }
                } catch {
                    let cause = error
                    if let failure = cause as? PSQLError, failure.isConnectionFailure { throw cause }
                    if cause is ConnectionClosed { throw cause }
                    if cause is CheckpointConflict {
                        guard try await reloadAfterConflict() else { return .stalled }
                        continue
                    }
                    if batch.scanned > 1 {
                        isolateUntil = end
                        continue
                    }
                    failures += 1
                    let position = batch.events.first?.position ?? end.position
                    let message = (cause as? PSQLError).map { databaseErrorMessage($0) } ?? "\(cause)"
                    if failures >= configuration.maximumFailures {
                        try await stall(at: position, error: message, on: connection)
                        keep = false
                        return .stalled
                    }
                    let delay = retry.next()
                    logger.warning(
                        "projector failed on an event; retrying",
                        metadata: [
                            "position": "\(position)", "failures": "\(failures)", "error": "\(message)",
                            "retryIn": "\(delay)",
                        ]
                    )
                    try await Task.sleep(for: delay)
                    continue
                }
                if !batch.events.isEmpty { await projector.didCommit(batch.events, logger: logger) }
                (stored, checkpoint, storedAt, verifiedAt) = (end, end, .now, .now)
                applied += batch.events.count
                if let target = isolateUntil, end >= target { isolateUntil = nil }
                failures = 0
                retry.reset()
            }
            guard batch.isLast else { continue }
            // As far as the horizon allows. Progress through other types is stored when due.
            if checkpoint != stored, ContinuousClock.now - storedAt >= configuration.skippedCheckpointInterval {
                do {
                    try await moveCheckpoint(from: stored, to: checkpoint, on: connection)
                    (stored, storedAt, verifiedAt) = (checkpoint, .now, .now)
                } catch is CheckpointConflict {
                    guard try await reloadAfterConflict() else { return .stalled }
                    continue
                }
            }
            logger.trace(
                "projector caught up",
                metadata: ["applied": "\(applied)", "checkpoint": "\(checkpoint)", "heldBack": "\(batch.heldBack)"]
            )
            return batch.heldBack ? .heldBack(applied: applied) : .caughtUp(applied: applied)
        }
    }

    /// The stored checkpoint, or `nil` when the projector is stalled or paused.
    private func loadCheckpoint(on connection: PostgresConnection) async throws -> EventCheckpoint? {
        let stored = try await projector.storedCheckpoint(on: connection, logger: logger)
        return stored.state == .running ? stored.checkpoint : nil
    }

    private func moveCheckpoint(
        from old: EventCheckpoint, to new: EventCheckpoint, on transaction: PostgresConnection
    ) async throws {
        let rows = try await transaction.query(
            """
            UPDATE projector_checkpoints
               SET tx = \(String(new.tx))::xid8, position = \(new.position), updated_at = now()
             WHERE name = \(projector.name) AND tx = \(String(old.tx))::xid8 AND position = \(old.position)
               AND state = 'running'
            RETURNING 1
            """,
            logger: logger
        )
        var updated = 0
        for try await _ in rows { updated += 1 }
        guard updated == 1 else { throw CheckpointConflict(projector: projector.name) }
    }

    private func stall(at position: Int64, error message: String, on connection: PostgresConnection) async throws {
        logger.error("projector stalled", metadata: ["position": "\(position)", "error": "\(message)"])
        try await connection.query(
            """
            UPDATE projector_checkpoints
               SET state = 'stalled', failed_position = \(position), last_error = \(message), updated_at = now()
             WHERE name = \(projector.name) AND state = 'running'
            """,
            logger: logger
        )
    }
}
