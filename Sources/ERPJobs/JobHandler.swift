// What a worker runs for each kind of job.
public import Logging

/// Runs the jobs of one kind.
///
/// Delivery is at least once: a worker that dies after the work but before the
/// acknowledgement leaves the job to be run again, so `perform` must be idempotent.
public protocol JobHandler: Sendable {
    /// The kind of job this handler runs, e.g. `notification.deliver`.
    var kind: String { get }
    /// How long one attempt may run before it is cancelled and counted as failed.
    var timeout: Duration { get }
    /// Does the job. Throwing fails the attempt: it is retried after a backoff until its
    /// attempts run out, unless the error is a ``PermanentJobFailure``.
    ///
    /// - Parameter logger: The worker's logger, naming the queue and the worker; a log
    ///   handler with the ``Logging/Logger/MetadataProvider/runningJob`` provider adds
    ///   the job's id and kind to each line.
    func perform(_ job: ClaimedJob, logger: Logger) async throws
}

/// A failure retrying cannot mend (a malformed payload, a record that no longer exists):
/// the job is dead at once, with this as its last error.
public struct PermanentJobFailure: Error, CustomStringConvertible {
    /// What went wrong, for people.
    public var description: String

    /// Creates a failure that says what is wrong.
    public init(_ description: String) {
        self.description = description
    }
}

/// A failure after which the next attempt must wait at least ``delay``, whatever the
/// backoff says: an endpoint that timed out may still be working on the last request,
/// and a retry sooner would deliver the same thing twice at once.
public struct RetryNoSooner: Error, CustomStringConvertible {
    /// The shortest wait before the next attempt.
    public var delay: Duration
    /// What went wrong, for people.
    public var description: String

    /// Creates the failure.
    public init(than delay: Duration, _ description: String) {
        self.delay = delay
        self.description = description
    }
}

/// An attempt ran longer than its handler's ``JobHandler/timeout``.
struct JobTimedOut: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "timed out after \(timeout)" }
}
