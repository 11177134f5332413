// Route registration that also keeps the table of paths and methods, for 405 answers.
import HTTPTypes
import Hummingbird
import Synchronization

/// Every registered path pattern and the methods it answers.
///
/// Hummingbird's router answers 404 both for a path it does not know and for a method
/// the path does not take; this table tells the two apart so the latter is 405 with `Allow`.
final class RouteTable: Sendable {
    private let routes = Mutex<[(pattern: [Substring], method: HTTPRequest.Method)]>([])

    /// Records that `path` (e.g. `/api/v1/products/:id`) answers `method`.
    func add(_ path: String, _ method: HTTPRequest.Method) {
        let pattern = path.split(separator: "/")
        routes.withLock { $0.append((pattern, method)) }
    }

    /// The methods some route takes on `path`, with HEAD wherever GET is; empty when no route has the path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods = routes.withLock { routes in
            routes.filter { Self.matches($0.pattern, segments) }.map(\.method)
        }
        if methods.contains(.get) { methods.append(.head) }
        return methods.reduce(into: []) { unique, method in if !unique.contains(method) { unique.append(method) } }
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// A route group of the API that records what it registers in a ``RouteTable``.
struct APIRoutes {
    let group: RouterGroup<ERPRequestContext>
    /// The group's path, e.g. `/api/v1`.
    let prefix: String
    let table: RouteTable

    typealias Handler<Output: ResponseGenerator> = @Sendable (Request, ERPRequestContext) async throws -> Output

    func get(_ path: String, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .get)
        group.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .post)
        group.post(RouterPath(path), use: handler)
    }

    func patch(_ path: String, use handler: @escaping Handler<some ResponseGenerator>) {
        table.add("\(prefix)/\(path)", .patch)
        group.patch(RouterPath(path), use: handler)
    }
}
