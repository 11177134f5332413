// Rebuilds one projector's read model from the log, beside the live one, and swaps it in.
public import ERPStore
import Foundation
public import Logging
import PostgresNIO
import Synchronization

/// Rebuilds a projector's read model from the event log with zero downtime.
///
/// 1. Takes the projector's replay lock (a second replay is refused, naming the holder).
/// 2. Builds into empty copies of its tables (``ShadowTables``) from the start of the
///    log, batch by batch, each batch its own short transaction, so the rebuild never
///    holds the visibility horizon back; the live projection keeps serving reads and
///    its runner keeps applying new events.
/// 3. At the head, one transaction locks the live tables, applies what arrived
///    meanwhile, swaps the copies in and moves the checkpoint to where the rebuild
///    stands. Readers wait for that transaction and then see the new read model; the
///    live runner's next checkpoint move fails its compare-and-set, and it continues
///    from the new checkpoint.
///
/// A dry run builds the same way up to the live checkpoint and reports how the result
/// differs from the live projection instead of swapping. Whatever stops a replay
/// (cancellation, an error, a lost connection) leaves the live projection untouched;
/// the copies are dropped, or, when the connection is gone, by the next replay.
public struct ProjectionReplay: Sendable {
    /// Tuning for a replay.
    public struct Configuration: Sendable {
        /// Events scanned per transaction while building.
        public var batchSize: Int
        /// Differences a dry run lists (all are counted).
        public var differenceLimit: Int

        /// Creates a configuration; the defaults suit production.
        public init(batchSize: Int = 10_000, differenceLimit: Int = 20) {
            self.batchSize = batchSize
            self.differenceLimit = differenceLimit
        }
    }

    /// How far a replay is, after each batch.
    public struct Progress: Sendable {
        /// The projector.
        public var projector: String
        /// Events scanned so far (of every type: the log is read in full).
        public var done: Int64
        /// Events to scan as counted when the replay started; new ones may add to it.
        public var total: Int64
        /// Time since building started.
        public var elapsed: Duration
    }

    /// What a replay did.
    public struct Outcome: Sendable, Codable {
        /// The projector.
        public var projector: String
        /// `swapped` or `dry-run`.
        public var mode: String
        /// Events scanned.
        public var events: Int64
        /// Events of the projector's types applied.
        public var applied: Int64
        /// Where the rebuilt read model stands.
        public var checkpoint: EventCheckpoint
        /// Seconds from start to finish.
        public var seconds: Double
        /// Dry run: the first differences from the live projection.
        public var differences: [ProjectionDifference]
        /// Dry run: how many differences there are in all.
        public var differenceCount: Int
    }

    /// The replay could not finish; the live projection is as it was.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String
    }

    /// An event position given to `--from` that is past the end of the log.
    public struct NoEventsFrom: Error, CustomStringConvertible {
        /// The position asked for.
        public var position: Int64
        /// What went wrong, for people.
        public var description: String { "no event at or after position \(position)" }
    }

    let projector: any Projector
    let database: Database
    let configuration: Configuration
    let logger: Logger

    /// Creates a replay of `projector`; nothing connects until ``run(dryRun:from:progress:)``.
    public init(projector: any Projector, database: Database, configuration: Configuration = .init(), logger: Logger) {
        self.projector = projector
        self.database = database
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "projector"] = "\(projector.name)"
        self.logger = logger
    }

    /// Rebuilds the read model and swaps it in, or, for a dry run, compares it with the live one.
    ///
    /// - Parameters:
    ///   - dryRun: Compare with the live projection and drop the rebuild instead of swapping.
    ///   - from: Build from this event position on (the first event at or after it, and
    ///     everything after it in log order) instead of the start of the log.
    ///   - holder: Who runs it, as a refused second replay shows it; by default the host and process.
    ///   - progress: Called after every batch.
    /// - Throws: ``ReplayInProgress``; ``NoEventsFrom``; `CancellationError` when the task is
    ///   cancelled; ``Failure`` when the database goes away; a projector's error. In each
    ///   case the live projection is untouched.
    public func run(
        dryRun: Bool, from: Int64? = nil, holder: String? = nil,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Outcome {
        guard !projector.tables.isEmpty else {
            throw Failure(description: "\(projector.name) declares no read-model tables, so it cannot be rebuilt")
        }
        let shadow = try ShadowTables(projector: projector.name, tables: projector.tables, logger: logger)
        let lock = ReplayLock(projector: projector.name, logger: logger)
        // One connection applies, the other reads the next batch meanwhile.
        let connection: PostgresConnection
        let reading: PostgresConnection
        do {
            connection = try await database.connect(as: "erp-replay:\(projector.name)")
            do {
                reading = try await database.connect(as: "erp-replay-reader:\(projector.name)")
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw Failure(
                description:
                    "cannot connect to replay \(projector.name): \(databaseErrorMessage(error, configuration: database.configuration))"
            )
        }
        let swapping = Flag()
        var holdsLock = false
        do {
            try await lock.acquire(holder: holder ?? ReplayLock.holder(command: "erp replay"), on: connection)
            holdsLock = true
            // Either connection closing ends the replay (see untilClosed).
            let outcome = try await connection.untilClosed { [reading] connection in
                try await reading.untilClosed { reading in
                    try await rebuild(
                        dryRun: dryRun, from: from, shadow: shadow, lock: lock, on: connection, reading: reading,
                        swapping: swapping,
                        progress: progress
                    )
                }
            }
            try await shadow.drop(on: connection)
            try await lock.release(on: connection)
            try? await connection.close()
            try? await reading.close()
            return outcome
        } catch {
            let lost =
                connection.isClosed || reading.isClosed || (error as? PSQLError)?.isConnectionFailure == true
                || error is ConnectionClosed
            // The working connections may be mid-query (a cancelled task leaves a row
            // stream half read): close them, which also ends the lock, and drop the copies
            // from a connection of its own, in a task of its own so an interrupted replay
            // still does it.
            try? await connection.close()
            try? await reading.close()
            if holdsLock {
                await Task { await dropLeftovers(shadow, lock: lock) }.value
            }
            if lost {
                let message = databaseErrorMessage(error, configuration: database.configuration)
                throw Failure(
                    description: swapping.isSet
                        ? "lost the database connection while swapping in the rebuilt \(projector.name): \(message). "
                            + "The swap either committed whole or not at all; `erp projections status` shows the checkpoint"
                        : "lost the database connection during the replay of \(projector.name): \(message). "
                            + "The live projection is untouched; run the replay again to start over"
                )
            }
            throw error
        }
    }

    /// Whether the swap transaction is under way, for the message when the connection is lost.
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set(_ isSet: Bool) { value.withLock { $0 = isSet } }
    }

    /// Drops what a replay that failed left behind, once its session (and lock) is gone;
    /// leaves them when another replay has taken the lock meanwhile, or the database is
    /// out of reach (the next replay drops them).
    private func dropLeftovers(_ shadow: ShadowTables, lock: ReplayLock) async {
        do {
            try await database.withConnection(as: "erp-replay-cleanup:\(projector.name)") { connection in
                try await connection.query("SET lock_timeout = '5s'", logger: logger)
                guard try await lock.acquireAfterHolderEnds(on: connection) else { return }
                try await shadow.drop(on: connection)
                try await lock.release(on: connection)
            }
        } catch {
            logger.warning(
                "could not drop the replay's copies; the next replay drops them",
                metadata: ["error": "\(databaseErrorMessage(error, configuration: database.configuration))"]
            )
        }
    }

    private func rebuild(
        dryRun: Bool, from: Int64?, shadow: ShadowTables, lock: ReplayLock, on connection: PostgresConnection,
        reading: PostgresConnection, swapping: Flag, progress: @Sendable (Progress) -> Void
    ) async throws -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        let reader = EventReader(logger: logger)
        try await connection.query("SET synchronous_commit = off", logger: logger)
        try await projector.ensureCheckpointRow(on: connection, logger: logger)
        var checkpoint = try await startingPoint(from: from, on: connection)
        let total =
            try await connection.value(
                "SELECT count(*) FROM events WHERE (tx, position) > (\(String(checkpoint.tx))::xid8, \(checkpoint.position))",
                as: Int64.self, logger: logger
            ) ?? 0
        try await shadow.create(on: connection)
        try await shadow.route(connection)
        logger.debug(
            "replay building", metadata: ["events": "\(total)", "dryRun": "\(dryRun)", "from": "\(checkpoint)"])

        var done: Int64 = 0
        var applied: Int64 = 0
        var reportedAt = clock.now
        func read(after start: EventCheckpoint, through bound: EventCheckpoint?, on source: PostgresConnection)
            async throws -> EventReader.Batch
        {
            try await reader.read(
                after: start, types: projector.eventTypes, limit: configuration.batchSize, through: bound,
                payloadSQL: projector.payloadSQL, on: source
            )
        }
        func record(_ batch: EventReader.Batch, end: EventCheckpoint) {
            checkpoint = end
            done += Int64(batch.scanned)
            applied += Int64(batch.events.count)
            progress(
                Progress(projector: projector.name, done: done, total: max(total, done), elapsed: clock.now - started))
        }
        /// Applies batches after `checkpoint` (up to `bound`) until the horizon, one
        /// transaction per batch, reading each next batch while the last is applied.
        func build(through bound: EventCheckpoint?) async throws {
            var batch = try await read(after: checkpoint, through: bound, on: reading)
            while let end = batch.end {
                try Task.checkCancellation()
                let isLast = batch.isLast
                async let following = isLast ? nil : read(after: end, through: bound, on: reading)
                if !batch.events.isEmpty {
                    try await connection.inTransaction(logger: logger) { [batch] in
                        try await projector.apply(batch.events, in: $0, logger: logger)
                    }
                }
                record(batch, end: end)
                if clock.now - reportedAt >= .seconds(2) {
                    try await lock.report(done: done, total: max(total, done), on: connection)
                    reportedAt = clock.now
                }
                guard let next = try await following else { return }
                batch = next
            }
        }
        /// Applies what is left after `checkpoint` (up to `bound`) inside `transaction`.
        func finish(through bound: EventCheckpoint?, in transaction: PostgresConnection) async throws {
            while true {
                try Task.checkCancellation()
                let batch = try await read(after: checkpoint, through: bound, on: transaction)
                guard let end = batch.end else { return }
                if !batch.events.isEmpty { try await projector.apply(batch.events, in: transaction, logger: logger) }
                record(batch, end: end)
                if batch.isLast { return }
            }
        }

        if dryRun {
            // Compare at the live checkpoint: build up to it, then hold the live runner's
            // writes off while the last stretch is applied and the two are compared.
            try await build(through: try await liveCheckpoint(on: connection))
            try await shadow.analyze(on: connection)
            let built = (checkpoint, done, applied)
            let (differences, count) = try await connection.inLockingTransaction(logger: logger) { transaction in
                // A retried attempt starts where the rolled-back one did.
                (checkpoint, done, applied) = built
                try await shadow.lockLive(exclusive: false, in: transaction)
                let live = try await liveCheckpoint(on: transaction)
                guard live >= checkpoint else {
                    throw Failure(
                        description:
                            "the live checkpoint of \(projector.name) moved back (a reset?) during the dry run; run it again"
                    )
                }
                try await finish(through: live, in: transaction)
                return try await shadow.differences(limit: configuration.differenceLimit, in: transaction)
            }
            return Outcome(
                projector: projector.name, mode: "dry-run", events: done, applied: applied, checkpoint: checkpoint,
                seconds: (clock.now - started).inSeconds, differences: differences, differenceCount: count
            )
        }

        try await build(through: nil)
        try await shadow.analyze(on: connection)
        swapping.set(true)
        let built = (checkpoint, done, applied)
        try await connection.inLockingTransaction(logger: logger) { transaction in
            // A retried attempt starts where the rolled-back one did.
            (checkpoint, done, applied) = built
            try await shadow.lockLive(exclusive: true, in: transaction)
            // The live runner cannot move the checkpoint past this point now.
            try await transaction.query(
                "SELECT 1 FROM projector_checkpoints WHERE name = \(projector.name) FOR UPDATE", logger: logger)
            let live = try await liveCheckpoint(on: transaction)
            try await finish(through: nil, in: transaction)
            // The live runner read below the same horizon, so the rebuild reaches at least as
            // far; swapping in anything older would show readers an earlier state.
            guard checkpoint >= live else {
                throw Failure(
                    description:
                        "the rebuild of \(projector.name) stands at \(checkpoint), behind the live checkpoint \(live); nothing was swapped, run it again"
                )
            }
            try await shadow.swap(in: transaction)
            try await transaction.query(
                """
                UPDATE projector_checkpoints
                   SET tx = \(String(checkpoint.tx))::xid8, position = \(checkpoint.position),
                       code_version = \(projector.version),
                       state = CASE state WHEN 'paused' THEN 'paused' ELSE 'running' END,
                       failed_position = NULL, last_error = NULL, updated_at = now()
                 WHERE name = \(projector.name)
                """,
                logger: logger
            )
            try await transaction.query("SELECT pg_notify(\(EventReader.channel), '')", logger: logger)
        }
        swapping.set(false)
        logger.debug("replay swapped in", metadata: ["events": "\(done)", "checkpoint": "\(checkpoint)"])
        return Outcome(
            projector: projector.name, mode: "swapped", events: done, applied: applied, checkpoint: checkpoint,
            seconds: (clock.now - started).inSeconds, differences: [], differenceCount: 0
        )
    }

    /// The checkpoint just before the first event at or after `from` in log order, or the start.
    private func startingPoint(from position: Int64?, on connection: PostgresConnection) async throws -> EventCheckpoint
    {
        guard let position else { return .start }
        let first = try await connection.rows(
            "SELECT tx::text, position FROM events WHERE position >= \(position) ORDER BY position LIMIT 1",
            as: (String, Int64).self, logger: logger
        ).first
        guard let (tx, firstPosition) = first else { throw NoEventsFrom(position: position) }
        let before = try await connection.rows(
            """
            SELECT tx::text, position FROM events
             WHERE (tx, position) < (\(tx)::xid8, \(firstPosition))
             ORDER BY tx DESC, position DESC
             LIMIT 1
            """,
            as: (String, Int64).self, logger: logger
        ).first
        guard let (beforeTx, beforePosition) = before else { return .start }
        return EventCheckpoint(tx: try parseTransactionID(beforeTx), position: beforePosition)
    }

    private func liveCheckpoint(on connection: PostgresConnection) async throws -> EventCheckpoint {
        try await projector.storedCheckpoint(on: connection, logger: logger).checkpoint
    }
}
