// What every API request must be before a route sees it: one spelling of its path and
// an origin the server trusts. (A command's JSON content type is checked where its body is read.)
import Foundation
import HTTPTypes
import Hummingbird

/// Refuses what a hostile page or a sloppy client could slip past the routes.
///
/// - A path has one spelling: a trailing slash or an empty segment (`//`) is 404, so a
///   retried command can never reach its route under a second name.
/// - A request carrying an `Origin` that is neither the server's own nor listed in
///   ``allowedOrigins`` is 403; a preflight (OPTIONS) from an allowed one is answered
///   here, and responses to allowed cross-origin requests say so.
struct RequestGuardMiddleware: RouterMiddleware {
    typealias Context = ERPRequestContext

    /// Origins besides the server's own that may call it from a browser, e.g. `https://shop.example`.
    let allowedOrigins: Set<String>

    func handle(
        _ request: Request, context: ERPRequestContext, next: (Request, ERPRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path != "/", path.hasSuffix("/") || path.contains("//") {
            let canonical = "/" + path.split(separator: "/").joined(separator: "/")
            throw Problem(
                .notFound, slug: "not-found", title: "Not Found", detail: "no such path; the path is spelt \(canonical)"
            )
        }
        let crossOrigin = try checkOrigin(request)
        if request.method == .options {
            guard let crossOrigin else {
                throw Problem(
                    .notFound, slug: "not-found", title: "Not Found",
                    detail: "OPTIONS answers cross-origin preflights only")
            }
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowOrigin] = crossOrigin
            response.headers[.accessControlAllowMethods] = "GET, HEAD, POST, PATCH"
            response.headers[.accessControlAllowHeaders] =
                "Content-Type, Authorization, Idempotency-Key, If-Match, X-Request-Id"
            response.headers[.accessControlMaxAge] = "600"
            response.headers[.vary] = "Origin"
            return response
        }
        var response = try await next(request, context)
        if let crossOrigin {
            response.headers[.accessControlAllowOrigin] = crossOrigin
            response.headers[.vary] = "Origin"
        }
        return response
    }

    /// The request's `Origin` when it is an allowed other origin; `nil` when there is
    /// none or it is the server's own.
    ///
    /// - Throws: ``Problem`` 403 for an origin that is not allowed.
    private func checkOrigin(_ request: Request) throws -> String? {
        guard let origin = request.headers[.origin] else { return nil }
        if let host = request.head.authority, origin == "http://\(host)" || origin == "https://\(host)" {
            return nil
        }
        guard allowedOrigins.contains(origin) else {
            throw Problem(
                .forbidden, slug: "origin-not-allowed", title: "Forbidden",
                detail: "requests from \(origin) are not allowed; an operator can list it in ERP_ALLOWED_ORIGINS"
            )
        }
        return origin
    }
}
