// GET /health and GET /ready.
public import Hummingbird

extension Readiness.Report: ResponseEncodable {}

/// Liveness and readiness endpoints for load balancers and orchestrators.
public struct HealthRoutes<Context: RequestContext>: Sendable {
    struct Liveness: ResponseEncodable {
        var status = "alive"
    }

    let readiness: Readiness

    /// Creates the routes around a readiness check.
    public init(readiness: Readiness) {
        self.readiness = readiness
    }

    /// Adds `GET /health` (200 while the process runs) and `GET /ready` (200 or 503).
    public func register(on router: Router<Context>) {
        router.get("/health") { _, _ in Liveness() }
        router.get("/ready") { request, context -> Response in
            let report = await readiness.check()
            var response = try report.response(from: request, context: context)
            response.status = report.isReady ? .ok : .serviceUnavailable
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }
}
