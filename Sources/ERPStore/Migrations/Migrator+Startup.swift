// At server start the database may not be up yet: wait for it rather than die.
import Logging
import PostgresNIO

extension Migrator {
    /// Brings the schema up to date, or waits until someone else has, retrying while the
    /// database is unreachable.
    ///
    /// - Parameters:
    ///   - database: Where to connect.
    ///   - apply: `true` to apply pending migrations; `false` to wait for `erp migrate`.
    /// - Throws: ``Failure`` when the history was edited or is newer than this binary
    ///   (retrying cannot help); `CancellationError` when the task is cancelled.
    public func bringCurrent(database: Database, apply: Bool) async throws {
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        while true {
            try Task.checkCancellation()
            do {
                let pending = try await database.withConnection(as: "erp-migrate") { connection in
                    apply ? [] : try await self.pending(on: connection)
                }
                if apply {
                    try await database.withConnection(as: "erp-migrate") { connection in
                        let applied = try await migrate(on: connection)
                        logger.info("schema is current", metadata: ["applied": "\(applied.count)"])
                    }
                    return
                }
                if pending.isEmpty { return }
                let delay = backoff.next()
                logger.warning(
                    "waiting for migrations (started with --no-migrate)",
                    metadata: ["pending": "\(pending)", "retryIn": "\(delay)"]
                )
                try await Task.sleep(for: delay)
            } catch let failure as Failure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = backoff.next()
                logger.warning(
                    "database unavailable; retrying",
                    metadata: [
                        "error": "\(databaseErrorMessage(error, configuration: database.configuration))",
                        "retryIn": "\(delay)",
                    ]
                )
                try await Task.sleep(for: delay)
            }
        }
    }
}
