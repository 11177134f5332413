// Route registration that also keeps the table of paths, methods and permissions: for
// 405 answers, and for the permission each route needs.
public import HTTPTypes
public import Hummingbird
import Synchronization

/// What a caller must be allowed to do to use a route, named `<module>.<action>`
/// (`inventory.issue`, `purchasing.read`). Modules declare theirs as constants; the
/// users-and-roles layer grants them.
public struct Permission: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The permission's name.
    public var rawValue: String

    /// A permission by name.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A permission by name; declare each once, as a module's constant.
    public init(_ name: String) {
        self.rawValue = name
    }

    /// The name.
    public var description: String { rawValue }

    /// By name.
    public static func < (left: Permission, right: Permission) -> Bool { left.rawValue < right.rawValue }
}

/// One registered route: what ``RouteTable`` knows of it.
public struct RouteEntry: Sendable, Hashable {
    /// The path pattern, e.g. `/api/v1/products/:id`.
    public var path: String
    /// The method.
    public var method: HTTPRequest.Method
    /// What the caller needs; `nil` for the open routes (`/health`, `/ready`).
    public var permission: Permission?
}

/// Every registered path pattern and the methods it answers.
///
/// Hummingbird's router answers 404 both for a path it does not know and for a method
/// the path does not take; this table tells the two apart so the latter is 405 with `Allow`.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(pattern: [Substring], entry: RouteEntry)]>([])

    /// An empty table.
    public init() {}

    /// Records that `path` (e.g. `/api/v1/products/:id`) answers `method` to callers with `permission`.
    func add(_ path: String, _ method: HTTPRequest.Method, permission: Permission? = nil) {
        let pattern = path.split(separator: "/")
        routes.withLock { $0.append((pattern, RouteEntry(path: path, method: method, permission: permission))) }
    }

    /// Every route, in the order registered.
    public var entries: [RouteEntry] { routes.withLock { $0.map(\.entry) } }

    /// The methods some route takes on `path`, with HEAD wherever GET is; empty when no route has the path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods = routes.withLock { routes in
            routes.filter { Self.matches($0.pattern, segments) }.map(\.entry.method)
        }
        if methods.contains(.get) { methods.append(.head) }
        return methods.reduce(into: []) { unique, method in if !unique.contains(method) { unique.append(method) } }
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// A route group of the API that records what it registers in a ``RouteTable``. Every
/// route names the permission it needs.
public struct APIRoutes {
    let group: RouterGroup<ERPRequestContext>
    /// The group's path, e.g. `/api/v1`.
    let prefix: String
    let table: RouteTable

    /// What answers a request.
    public typealias Handler<Output: ResponseGenerator> = @Sendable (Request, ERPRequestContext) async throws -> Output

    /// GET `path` (relative to the group, `:name` for a parameter), for callers with `permission`.
    public func get(_ path: String, permission: Permission, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .get, permission: permission)
        group.get(RouterPath(path), use: handler)
    }

    /// POST `path`, for callers with `permission`.
    public func post(_ path: String, permission: Permission, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .post, permission: permission)
        group.post(RouterPath(path), use: handler)
    }

    /// PATCH `path`, for callers with `permission`.
    public func patch(_ path: String, permission: Permission, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .patch, permission: permission)
        group.patch(RouterPath(path), use: handler)
    }
}
