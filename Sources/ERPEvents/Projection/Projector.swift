// What a read model implements to be kept up to date from the event log.
public import Logging
public import PostgresNIO

/// Turns events into a read model.
///
/// The runner calls ``apply(_:in:logger:)`` inside a transaction that also moves the
/// projector's checkpoint, so each event's effect lands exactly once. A projector
/// reads events only, never the write-model tables.
public protocol Projector: Sendable {
    /// Stable, unique name: the key of its checkpoint. Lowercase words joined by `_`.
    var name: String { get }

    /// The event types it consumes, or `nil` for every type. The checkpoint moves
    /// past other types too, without their payloads being read.
    var eventTypes: Set<String>? { get }

    /// Applies `events`, in log order, to the read model.
    ///
    /// - Parameters:
    ///   - events: One batch of events of ``eventTypes``, in log order, never empty.
    ///   - transaction: The connection, inside the runner's transaction. Do not commit.
    ///   - logger: For diagnostics.
    /// - Throws: Anything; the transaction is rolled back and the batch retried.
    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws

    /// Called after the transaction that applied `events` committed.
    ///
    /// For measurements and in-process signals only: it runs at most once per batch and
    /// not at all when the process dies right after the commit, so a read model must
    /// never depend on it. The default does nothing.
    func didCommit(_ events: [RecordedEvent], logger: Logger) async
}

extension Projector {
    public func didCommit(_ events: [RecordedEvent], logger: Logger) async {}
}
