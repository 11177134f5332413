// The principals of recently checked credentials, kept for a moment so that a client
// sending many requests costs one session query per moment rather than one per request.
import ERPHTTP
import Synchronization

/// Principals by credential, each good for ``lifetime``.
///
/// A change made in this process (signing out, a user deactivated, a role changed, a key
/// revoked) calls ``invalidate()`` after its commit, so it takes effect on the next request
/// here. A change made by another process (`erp users deactivate`, a second server) takes
/// effect here within ``lifetime``.
public final class PrincipalCache: Sendable {
    /// How long a checked credential is trusted without asking the database again.
    public let lifetime: Duration
    private let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var entries: [String: (principal: Principal, until: ContinuousClock.Instant)] = [:]
        /// Advanced by every invalidation: a lookup that began before one is not stored.
        var generation: UInt64 = 0
    }

    /// A cache; `lifetime` zero keeps nothing.
    public init(lifetime: Duration = .seconds(2), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The principal of `key` if it was checked within ``lifetime``, else the generation
    /// to hand to ``store(_:for:generation:)`` once the database has answered.
    func lookup(_ key: String) -> Result {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let entry = state.entries[key], entry.until > now { return .hit(entry.principal) }
            return .miss(generation: state.generation)
        }
    }

    /// What a lookup found.
    enum Result {
        case hit(Principal)
        case miss(generation: UInt64)
    }

    /// Keeps `principal` for `key`, unless an invalidation came since the lookup.
    func store(_ principal: Principal, for key: String, generation: UInt64) {
        guard lifetime > .zero else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.until > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = (principal, now + lifetime)
        }
    }

    /// Forgets every principal: called after any change to users, roles, sessions or keys.
    public func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }
}
