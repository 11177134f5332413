// A transaction that locks tables a live runner also uses, retried when the two collide.
import ERPStore
import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` in a transaction with a lock timeout, again (up to `attempts` times)
    /// when it loses a deadlock or the timeout: a live runner locks the same tables in
    /// its own order, and PostgreSQL breaks such a tie by aborting one side.
    func inLockingTransaction<Result>(
        logger: Logger,
        attempts: Int = 10,
        lockTimeout: Duration = .seconds(5),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        var attempt = 1
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(1))
        while true {
            do {
                return try await inTransaction(logger: logger) { transaction in
                    try await transaction.query(
                        "SELECT set_config('lock_timeout', \(String(lockTimeout.inMilliseconds)), true)", logger: logger
                    )
                    return try await body(transaction)
                }
            } catch let error as PSQLError
                where attempt < attempts && [.deadlockDetected, .lockNotAvailable].contains(error.sqlState)
            {
                attempt += 1
                let delay = backoff.next()
                logger.info(
                    "lost a lock race with the live runner; trying again",
                    metadata: ["attempt": "\(attempt)", "retryIn": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }
}
