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
    var eventTypes: Set<EventType>? { get }

    /// What the reader sends as each event's ``RecordedEvent/payload``: a SQL expression of
    /// type text over the event's columns (`payload`, `type`), or `nil` (the default) for
    /// the payload as JSON. Moving and decoding whole payloads is most of what rebuilding
    /// from a long log costs; a projector that reads a few fields of large payloads can
    /// have PostgreSQL pick them out. A constant of the projector's code, never input.
    var payloadSQL: String? { get }

    /// The version of the code that turns events into the read model. Raise it when a
    /// change would build a different read model from the same events: the stored
    /// projection then shows as behind until `erp replay` rebuilds it. The default is 1.
    var version: Int { get }

    /// The tables it writes, which `erp replay` rebuilds and `erp projections reset`
    /// empties. Write them by unqualified name: a rebuild runs ``apply(_:in:logger:)``
    /// with its own copies first on the search path. The default is none, and a
    /// projector without tables cannot be replayed.
    var tables: [ReadModelTable] { get }

    /// Applies `events`, in log order, to the read model.
    ///
    /// - Parameters:
    ///   - events: One batch of events of ``eventTypes``, in log order, never empty.
    ///   - transaction: The connection, inside the runner's transaction. Do not commit.
    ///   - logger: For diagnostics.
    /// - Throws: Anything; the transaction is rolled back and the batch retried.
    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws

    /// Work on a batch that needs no database: decoding payloads, computing what to
    /// write. When a runner reads a backlog ahead, it calls this on the next batch while
    /// it applies the one before, and hands the result to
    /// ``apply(_:prepared:in:logger:)``. It must not throw: a batch it cannot prepare
    /// gives `nil`, and the apply does the work itself (and fails there, as usual).
    /// The default prepares nothing.
    func prepare(_ events: [RecordedEvent]) -> (any Sendable)?

    /// Applies `events` with what ``prepare(_:)`` returned for them, `nil` when it was
    /// not called or returned `nil`. The default ignores it and calls ``apply(_:in:logger:)``.
    func apply(_ events: [RecordedEvent], prepared: (any Sendable)?, in transaction: PostgresConnection, logger: Logger)
        async throws

    /// Called after the transaction that applied `events` committed.
    ///
    /// For measurements and in-process signals only: it runs at most once per batch and
    /// not at all when the process dies right after the commit, so a read model must
    /// never depend on it. The default does nothing.
    func didCommit(_ events: [RecordedEvent], logger: Logger) async
}

extension Projector {
    /// 1: bump it when the same events would build a different read model.
    public var version: Int { 1 }

    /// `nil`: payloads as JSON.
    public var payloadSQL: String? { nil }

    /// The tables it writes, which a rebuild replaces.
    public var tables: [ReadModelTable] { [] }

    /// Does nothing.
    public func didCommit(_ events: [RecordedEvent], logger: Logger) async {}

    /// Nothing: the apply does all the work.
    public func prepare(_ events: [RecordedEvent]) -> (any Sendable)? { nil }

    /// Applies `events`, ignoring `prepared`.
    public func apply(
        _ events: [RecordedEvent], prepared: (any Sendable)?, in transaction: PostgresConnection, logger: Logger
    ) async throws {
        try await apply(events, in: transaction, logger: logger)
    }
}

/// A table a projector writes, which it alone writes: a rebuild builds a new one and swaps it in.
public struct ReadModelTable: Sendable, Hashable {
    /// The table's name in the public schema.
    public var name: String

    /// A table that a rebuild replaces.
    public static func replaced(_ name: String) -> Self { Self(name: name) }
}
