// While a catching-up runner applies one batch, the next is read on a second connection.
import ERPStore
import Logging
import PostgresNIO

/// Reads the batch after the one a runner is applying, on a connection of its own, so
/// that the log read and the apply overlap instead of running in series.
///
/// Only a runner working through a backlog uses it: one whose last batch was full and
/// had events to apply. The connection opens at the first such batch of a catch-up and
/// closes when the catch-up ends. Any failure of it only means reading on the runner's
/// own connection, as without it: the log below the horizon never changes, so a batch
/// read ahead after a checkpoint is the batch the runner would read there.
struct ReadAhead {
    /// What the connections are named with: not a runner's name, so `erp projections
    /// status` never takes one for a holder or a standby.
    static func applicationName(for projector: String) -> String {
        String(decoding: "erp-read-ahead:\(projector) \(ProcessIdentity.pid)".utf8.prefix(63), as: UTF8.self)
    }

    private let database: Database
    private let projector: String
    private let logger: Logger
    private var connection: PostgresConnection?
    /// Connecting or a read failed: read on the runner's connection for the rest of this catch-up.
    private var failed = false
    private var pending: (after: EventCheckpoint, read: Task<Prepared, any Error>)?

    /// A batch read ahead, with what the projector prepared of it.
    struct Prepared: Sendable {
        var batch: EventReader.Batch
        var prepared: (any Sendable)?
    }

    init(database: Database, projector: String, logger: Logger) {
        self.database = database
        self.projector = projector
        self.logger = logger
    }

    /// Starts reading the batch after `checkpoint`, and then `projector` preparing it; a
    /// batch read ahead before is dropped.
    mutating func start(
        after checkpoint: EventCheckpoint, reader: EventReader, projector: any Projector, limit: Int
    ) async {
        await drop()
        guard !failed else { return }
        if connection == nil {
            do {
                connection = try await database.connect(as: Self.applicationName(for: self.projector))
            } catch {
                logger.debug("no read-ahead connection; reading in series", metadata: ["error": "\(error)"])
                failed = true
                return
            }
        }
        guard let connection else { return }
        pending = (
            checkpoint,
            Task {
                let batch = try await connection.untilClosed {
                    try await reader.read(
                        after: checkpoint, types: projector.eventTypes, limit: limit, payloadSQL: projector.payloadSQL,
                        on: $0)
                }
                return Prepared(batch: batch, prepared: batch.events.isEmpty ? nil : projector.prepare(batch.events))
            }
        )
    }

    /// The batch after `checkpoint` if that is what was read ahead and the read succeeded;
    /// `nil` otherwise (the runner reads it itself). Waits for it through `runner`'s
    /// connection, so that closing that connection ends the wait.
    mutating func take(after checkpoint: EventCheckpoint, runner: PostgresConnection) async throws
        -> Prepared?
    {
        guard let pending, pending.after == checkpoint else {
            await drop()
            return nil
        }
        self.pending = nil
        let read = pending.read
        do {
            return try await runner.untilClosed { _ in try await read.value }
        } catch let error as ConnectionClosed where !runner.isClosed {
            // Ours closed, not the runner's.
            logger.debug("read-ahead connection closed; reading in series", metadata: ["error": "\(error)"])
            failed = true
            return nil
        } catch let error as PSQLError where !runner.isClosed {
            logger.debug("read-ahead failed; reading in series", metadata: ["error": "\(error)"])
            failed = true
            return nil
        }
    }

    /// Drops what was read ahead and closes the connection.
    mutating func close() async {
        await drop()
        try? await connection?.close()
        connection = nil
    }

    private mutating func drop() async {
        guard let pending else { return }
        self.pending = nil
        pending.read.cancel()
        _ = try? await pending.read.value
    }
}
