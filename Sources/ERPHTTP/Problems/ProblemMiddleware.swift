// Maps every error to a problem response, once, at the edge.
import ERPDomain
import ERPStore
import HTTPTypes
import Hummingbird
import PostgresNIO

/// Turns thrown errors into `application/problem+json` responses. Client mistakes
/// become 4xx; anything unexpected is logged and answered with a 500 naming the request id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ERPRequestContext

    /// What the routes answer, to tell a wrong method (405) from an unknown path (404).
    let routes: RouteTable

    func handle(_ request: Request, context: ERPRequestContext, next: (Request, ERPRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Self.problem(for: error, context: context)
            if problem.status == .notFound, context.endpointPath == "NotFound" {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    problem = Problem(
                        .methodNotAllowed, slug: "method-not-allowed", title: "Method Not Allowed",
                        detail: "\(request.uri.path) takes \(allowed.map(\.rawValue).joined(separator: ", "))"
                    )
                    problem.allow = allowed.map(\.rawValue).joined(separator: ", ")
                }
            }
            problem.requestID = context.requestID
            return try problem.response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: ERPRequestContext) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refusal as CommandError:
            return problem(for: refusal)
        case is ConnectionClosed:
            return .databaseUnavailable(written: false)
        case let failure as PSQLError where failure.isConnectionFailure:
            context.logger.warning("request lost its database connection", metadata: ["error": "\(databaseErrorMessage(failure))"])
            return .databaseUnavailable(written: false)
        case let failure as PSQLError:
            return problem(for: failure, context: context)
        case let http as any HTTPResponseError:
            return Problem(http.status, slug: "http-\(http.status.code)", title: http.status.reasonPhrase, detail: http.status.reasonPhrase.lowercased())
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }

    static func problem(for refusal: CommandError) -> Problem {
        let status: HTTPResponse.Status =
            switch refusal.code {
            case .invalid, .idempotencyKeyReused: .unprocessableContent
            case .notFound: .notFound
            case .versionMismatch: .preconditionFailed
            case .versionRequired: .preconditionRequired
            case .duplicate, .insufficientStock, .invalidState: .conflict
            default: .unprocessableContent
            }
        return Problem(status, slug: refusal.code.rawValue, title: status.reasonPhrase, detail: refusal.message, errors: refusal.fieldErrors)
    }

    /// Constraint violations that slipped past validation are still the client's input.
    static func problem(for failure: PSQLError, context: ERPRequestContext) -> Problem {
        let state = failure.serverInfo?[.sqlState]
        let detail = failure.serverInfo?[.message] ?? "the database refused the request"
        switch state {
        case "23505": return Problem(.conflict, slug: "duplicate", title: "Conflict", detail: detail)
        case "23503", "23514", "22003", "22001", "22P02":
            return Problem(.unprocessableContent, slug: "invalid", title: "Unprocessable Content", detail: detail)
        default:
            context.logger.error("database error", metadata: ["error": "\(String(reflecting: failure))"])
            return .internalError
        }
    }
}

extension Problem {
    /// The database connection was lost under a request (or none could be had).
    ///
    /// - Parameter written: `false` when nothing was written, `nil` when the server could
    ///   not say whether the command's transaction committed.
    static func databaseUnavailable(written: Bool?) -> Problem {
        var problem = Problem(
            .serviceUnavailable, slug: written == false ? "database-unavailable" : "commit-outcome-unknown", title: "Service Unavailable",
            detail: written == false
                ? "the database connection was lost; nothing was written, so the request can be sent again"
                : "the database connection was lost during the commit and whether it was written is unknown; "
                    + "send it again with the same Idempotency-Key to get its outcome without writing twice"
        )
        problem.retryAfter = 1
        return problem
    }

    static let internalError = Problem(
        .internalServerError, slug: "internal", title: "Internal Server Error",
        detail: "the server failed; the request id identifies it in the logs"
    )
}
