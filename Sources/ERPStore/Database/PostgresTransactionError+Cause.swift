// withTransaction wraps whatever went wrong; callers want to see what went wrong.
public import PostgresNIO

extension PostgresTransactionError {
    /// The error that ended the transaction: from the body, else COMMIT, else BEGIN.
    public var cause: any Error {
        closureError ?? commitError ?? beginError ?? self
    }
}

/// `error` with any transaction wrapper removed, so callers can match on what failed.
public func rootCause(of error: any Error) -> any Error {
    (error as? PostgresTransactionError)?.cause ?? error
}
