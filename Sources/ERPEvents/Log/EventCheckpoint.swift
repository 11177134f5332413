// How far a reader has consumed the log.

/// The (tx, position) pair of the last event a reader consumed.
///
/// Positions alone cannot order the log: a position is taken at INSERT and becomes
/// visible at COMMIT, so a later commit may carry a smaller position. Transactions
/// below the visibility horizon are all finished, so (tx, position) order below it
/// never changes once read.
public struct EventCheckpoint: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Transaction id (`xid8`) of the last consumed event; 0 before the first.
    public var tx: UInt64
    /// Position of the last consumed event; 0 before the first.
    public var position: Int64

    /// Creates a checkpoint at the given pair.
    public init(tx: UInt64, position: Int64) {
        self.tx = tx
        self.position = position
    }

    /// Before the first event.
    public static let start = EventCheckpoint(tx: 0, position: 0)

    /// Ordered as time and the log run.
    public static func < (lhs: EventCheckpoint, rhs: EventCheckpoint) -> Bool {
        (lhs.tx, lhs.position) < (rhs.tx, rhs.position)
    }

    /// As people read it.
    public var description: String { "\(tx)/\(position)" }
}
