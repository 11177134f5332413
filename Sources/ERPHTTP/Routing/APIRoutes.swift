// Route registration that also keeps the table of paths, methods and who may use each:
// for 405 answers, for the credential and permission checks, for the OpenAPI document.
import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
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

/// Who may use a route.
public enum Access: Sendable, Hashable {
    /// Anyone: health, readiness, signing in.
    case open
    /// Any signed-in user or API key (`/auth/me`, signing out).
    case signedIn
    /// Callers one of whose roles grants the permission.
    case permission(Permission)
}

/// One registered route: what ``RouteTable`` knows of it.
public struct RouteEntry: Sendable, Hashable {
    /// The path pattern, e.g. `/api/v1/products/:id`.
    public var path: String
    /// The method.
    public var method: HTTPRequest.Method
    /// Who may use it.
    public var access: Access

    /// The permission it needs; `nil` for the open and the signed-in-only routes.
    public var permission: Permission? {
        if case .permission(let permission) = access { permission } else { nil }
    }
}

/// Every registered path pattern and the methods it answers.
///
/// Hummingbird's router answers 404 both for a path it does not know and for a method
/// the path does not take; this table tells the two apart so the latter is 405 with `Allow`.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(pattern: [Substring], entry: RouteEntry)]>([])
    private let docs = Mutex<[String: RouteDoc]>([:])
    private let declared = Mutex<Set<Permission>>([])

    /// An empty table.
    public init() {}

    /// Records that `path` (e.g. `/api/v1/products/:id`) answers `method` to callers with `access`.
    func add(_ path: String, _ method: HTTPRequest.Method, access: Access = .open, doc: RouteDoc? = nil) {
        let pattern = path.split(separator: "/")
        routes.withLock { $0.append((pattern, RouteEntry(path: path, method: method, access: access))) }
        if let doc { docs.withLock { $0["\(method) \(path)"] = doc } }
    }

    /// What the route registered with `method` on `path` says of itself, for the OpenAPI document.
    public func doc(_ method: HTTPRequest.Method, _ path: String) -> RouteDoc? {
        docs.withLock { $0["\(method) \(path)"] }
    }

    /// Every route, in the order registered.
    public var entries: [RouteEntry] { routes.withLock { $0.map(\.entry) } }

    /// Every permission some route needs or a handler checks, by name.
    public var permissions: [Permission] {
        Set(entries.compactMap(\.permission)).union(declared.withLock { $0 }).sorted()
    }

    /// Records `permission`, which a handler checks itself (``Principal/allows(_:)``) to
    /// let its holders do more, so that roles can grant it.
    func declare(_ permission: Permission) {
        _ = declared.withLock { $0.insert(permission) }
    }

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
/// route says who may use it; all but the open ones check the request's bearer
/// credential (401 with `WWW-Authenticate` when it is missing or bad) and the route's
/// permission (403 naming it) before the handler runs.
public struct APIRoutes {
    let group: RouterGroup<ERPRequestContext>
    /// The group's path, e.g. `/api/v1`.
    let prefix: String
    /// Every route registered so far, with who may use it.
    public let table: RouteTable
    /// What checks the bearer credentials.
    let authenticator: any RequestAuthenticator
    /// What the built-in roles hold.
    public let grants: RoleGrants

    /// What answers a request.
    public typealias Handler<Output: ResponseGenerator> = @Sendable (Request, ERPRequestContext) async throws -> Output

    /// Declares `permission`, which no route needs but a handler checks to let its holders
    /// do more (overriding a credit limit): roles can then grant it.
    public func declare(_ permission: Permission) {
        table.declare(permission)
    }

    /// GET `path` (relative to the group, `:name` for a parameter), for callers with `permission`;
    /// `doc` is what the OpenAPI document says of it.
    public func get(
        _ path: String, permission: Permission, doc: RouteDoc? = nil,
        use handler: @escaping Handler<some ResponseGenerator>
    ) {
        get(path, access: .permission(permission), doc: doc, use: handler)
    }

    /// POST `path`, for callers with `permission`.
    public func post(
        _ path: String, permission: Permission, doc: RouteDoc? = nil,
        use handler: @escaping Handler<some ResponseGenerator>
    ) {
        post(path, access: .permission(permission), doc: doc, use: handler)
    }

    /// PATCH `path`, for callers with `permission`.
    public func patch(
        _ path: String, permission: Permission, doc: RouteDoc? = nil,
        use handler: @escaping Handler<some ResponseGenerator>
    ) {
        patch(path, access: .permission(permission), doc: doc, use: handler)
    }

    /// PUT `path` (a whole document replaced), for callers with `permission`.
    public func put(
        _ path: String, permission: Permission, doc: RouteDoc? = nil,
        use handler: @escaping Handler<some ResponseGenerator>
    ) {
        table.add("\(prefix)/\(path)", .put, access: .permission(permission), doc: doc)
        group.put(RouterPath(path), use: guarded(.permission(permission), handler))
    }

    /// DELETE `path`, for callers with `permission`.
    public func delete(
        _ path: String, permission: Permission, doc: RouteDoc? = nil,
        use handler: @escaping Handler<some ResponseGenerator>
    ) {
        table.add("\(prefix)/\(path)", .delete, access: .permission(permission), doc: doc)
        group.delete(RouterPath(path), use: guarded(.permission(permission), handler))
    }

    /// GET `path` for callers with `access`.
    public func get(
        _ path: String, access: Access, doc: RouteDoc? = nil, use handler: @escaping Handler<some ResponseGenerator>
    ) {
        table.add("\(prefix)/\(path)", .get, access: access, doc: doc)
        group.get(RouterPath(path), use: guarded(access, handler))
    }

    /// POST `path` for callers with `access`.
    public func post(
        _ path: String, access: Access, doc: RouteDoc? = nil, use handler: @escaping Handler<some ResponseGenerator>
    ) {
        table.add("\(prefix)/\(path)", .post, access: access, doc: doc)
        group.post(RouterPath(path), use: guarded(access, handler))
    }

    /// PATCH `path` for callers with `access`.
    public func patch(
        _ path: String, access: Access, doc: RouteDoc? = nil, use handler: @escaping Handler<some ResponseGenerator>
    ) {
        table.add("\(prefix)/\(path)", .patch, access: access, doc: doc)
        group.patch(RouterPath(path), use: guarded(access, handler))
    }

    /// `handler`, after the credential and the permission `access` asks for are checked.
    private func guarded<Output: ResponseGenerator>(_ access: Access, _ handler: @escaping Handler<Output>)
        -> Handler<Output>
    {
        if access == .open { return handler }
        let authenticator = authenticator
        return { request, context in
            var context = context
            let principal = try await authenticator.principal(for: Self.credential(of: request), context: context)
            if case .permission(let permission) = access, !principal.allows(permission) {
                throw Problem.forbidden(permission)
            }
            context.principal = principal
            context.logger[metadataKey: "actor"] = "\(principal.actor)"
            return try await handler(request, context)
        }
    }

    /// What follows `Bearer ` in `Authorization`.
    static func credential(of request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthorized(
                "sign in first: send Authorization: Bearer <token> (POST /api/v1/auth/login answers with one)",
                invalidToken: false)
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("Authorization must be Bearer <token>")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
