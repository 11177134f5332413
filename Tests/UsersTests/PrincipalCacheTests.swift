// The cache of checked credentials: what it keeps, for how long, and that a lookup
// which raced an invalidation cannot bring back what was invalidated.
import ERPHTTP
import Testing

@testable import Users

@Suite struct PrincipalCacheTests {
    static let principal = Principal(
        actor: "user:7", name: "asha@shop.test", roles: [.viewer], customPermissions: [], grants: RoleGrants())

    static func isHit(_ result: PrincipalCache.Result) -> Bool {
        if case .hit = result { return true }
        return false
    }

    static func generation(_ result: PrincipalCache.Result) throws -> UInt64 {
        guard case .miss(let generation) = result else { throw CacheTestError("expected a miss") }
        return generation
    }

    struct CacheTestError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func aStoredPrincipalIsFoundUntilInvalidated() throws {
        let cache = PrincipalCache(lifetime: .seconds(60))
        let generation = try Self.generation(cache.lookup("a"))
        cache.store(Self.principal, for: "a", generation: generation)
        #expect(Self.isHit(cache.lookup("a")))
        #expect(!Self.isHit(cache.lookup("b")))
        cache.invalidate()
        #expect(!Self.isHit(cache.lookup("a")))
    }

    @Test func aLookupThatBeganBeforeAnInvalidationIsNotStored() throws {
        let cache = PrincipalCache(lifetime: .seconds(60))
        // The database answered before the deactivation committed; the answer arrives after.
        let generation = try Self.generation(cache.lookup("a"))
        cache.invalidate()
        cache.store(Self.principal, for: "a", generation: generation)
        #expect(!Self.isHit(cache.lookup("a")))
    }

    @Test func anEntryLapsesAfterItsLifetimeAndZeroKeepsNothing() async throws {
        let brief = PrincipalCache(lifetime: .milliseconds(50))
        brief.store(Self.principal, for: "a", generation: try Self.generation(brief.lookup("a")))
        try await Task.sleep(for: .milliseconds(120))
        #expect(!Self.isHit(brief.lookup("a")))
        let none = PrincipalCache(lifetime: .zero)
        none.store(Self.principal, for: "a", generation: try Self.generation(none.lookup("a")))
        #expect(!Self.isHit(none.lookup("a")))
    }

    @Test func aFullCacheMakesRoomRatherThanGrowing() throws {
        let cache = PrincipalCache(lifetime: .seconds(60), capacity: 3)
        for key in ["a", "b", "c", "d"] {
            cache.store(Self.principal, for: key, generation: try Self.generation(cache.lookup(key)))
        }
        #expect(Self.isHit(cache.lookup("d")))
        #expect(["a", "b", "c"].filter { Self.isHit(cache.lookup($0)) }.count < 3)
    }
}
