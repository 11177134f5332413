// Which job a log line was written for, without building a logger per attempt.
public import Logging

extension ClaimedJob {
    /// The job the current task runs an attempt of; set by the runner around each attempt.
    @TaskLocal public static var current: ClaimedJob?
}

extension Logger.MetadataProvider {
    /// Adds `job` (its id) and `kind` to every line logged while an attempt runs.
    ///
    /// Read only when a line is written: giving each attempt a logger with its own
    /// metadata instead cost more than a no-op job itself (a log handler renders its
    /// metadata whenever it changes).
    public static let runningJob = Logger.MetadataProvider {
        guard let job = ClaimedJob.current else { return [:] }
        return ["job": "\(job.id)", "kind": "\(job.kind)"]
    }
}
