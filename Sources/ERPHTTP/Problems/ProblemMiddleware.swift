// Maps every error to a problem response, once, at the edge.
import ERPKernel
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
    /// Constraints whose field their name does not tell, from the modules that own them.
    let constraintFields: [String: String]

    func handle(
        _ request: Request, context: ERPRequestContext, next: (Request, ERPRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = problem(for: error, context: context)
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

    func problem(for error: any Error, context: ERPRequestContext) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refusal as CommandError:
            return Self.problem(for: refusal)
        case is ConnectionClosed:
            return .databaseUnavailable(written: false)
        case let failure as PSQLError where failure.isConnectionFailure:
            context.logger.warning(
                "request lost its database connection", metadata: ["error": "\(databaseErrorMessage(failure))"])
            return .databaseUnavailable(written: false)
        case let failure as PSQLError:
            return problem(for: failure, context: context)
        case let http as any HTTPResponseError:
            return Problem(
                http.status, slug: "http-\(http.status.code)", title: http.status.reasonPhrase,
                detail: http.status.reasonPhrase.lowercased())
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }

    static func problem(for refusal: CommandError) -> Problem {
        let status: HTTPResponse.Status =
            switch refusal.code.kind {
            case .invalid: .unprocessableContent
            case .notFound: .notFound
            case .versionMismatch: .preconditionFailed
            case .versionRequired: .preconditionRequired
            case .conflict: .conflict
            }
        return Problem(
            status, slug: refusal.code.rawValue, title: status.reasonPhrase, detail: refusal.message,
            errors: refusal.fieldErrors)
    }

    /// Constraint violations that slipped past validation are still the client's input.
    ///
    /// The server's own message names tables and constraints and may quote other rows, so
    /// it goes to the log only; the client hears which field, when the constraint says.
    func problem(for failure: PSQLError, context: ERPRequestContext) -> Problem {
        let state = failure.sqlState
        let field = constraintField(failure)
        let errors = field.map { [FieldError($0, "breaks a rule of the stored records")] } ?? []
        switch state {
        case .uniqueViolation:
            logRefusal(failure, context: context)
            return Problem(
                .conflict, slug: "duplicate", title: "Conflict",
                detail: field.map { "another record already has this \($0)" }
                    ?? "another record already has these values",
                errors: field.map { [FieldError($0, "is already in use")] } ?? []
            )
        case .foreignKeyViolation:
            logRefusal(failure, context: context)
            return Problem(
                .unprocessableContent, slug: "invalid", title: "Unprocessable Content",
                detail: "the request refers to a record that does not exist, or one still in use",
                errors: field.map { [FieldError($0, "refers to a record that does not exist")] } ?? []
            )
        case .checkViolation, .notNullViolation, .numericValueOutOfRange, .stringDataRightTruncationException,
            .invalidTextRepresentation, .characterNotInRepertoire, .invalidDatetimeFormat, .datetimeFieldOverflow:
            logRefusal(failure, context: context)
            return Problem(
                .unprocessableContent, slug: "invalid", title: "Unprocessable Content",
                detail: field.map { "\($0) breaks a rule of the stored records" }
                    ?? "the request breaks a rule of the stored records",
                errors: errors
            )
        default:
            context.logger.error("database error", metadata: ["error": "\(String(reflecting: failure))"])
            return .internalError
        }
    }

    private func logRefusal(_ failure: PSQLError, context: ERPRequestContext) {
        context.logger.info("the database refused a request", metadata: ["error": "\(databaseErrorMessage(failure))"])
    }

    /// The request field a violated constraint is about: named in ``constraintFields``, or
    /// by PostgreSQL's own naming (`products_name_check`, `vendors_gstin_key`,
    /// `purchase_orders_vendor_id_fkey`) or the column a NOT NULL names, in camelCase
    /// without a unit suffix (`mrp_paise` is `mrp`).
    func constraintField(_ failure: PSQLError) -> String? {
        guard let info = failure.serverInfo else { return nil }
        if let constraint = info[.constraintName] {
            if let field = constraintFields[constraint] { return field }
            let table = info[.tableName].map { $0 + "_" } ?? ""
            var column = Substring(constraint)
            if !table.isEmpty, column.hasPrefix(table) { column = column.dropFirst(table.count) }
            for suffix in ["_check", "_key", "_fkey"] where column.hasSuffix(suffix) {
                column = column.dropLast(suffix.count)
                return column.isEmpty ? nil : Self.camelCase(column)
            }
            return nil
        }
        return info[.columnName].map { Self.camelCase(Substring($0)) }
    }

    private static func camelCase(_ column: Substring) -> String {
        var words = column.split(separator: "_").map(String.init)
        if words.count > 1, words.last == "paise" { words.removeLast() }
        guard let first = words.first else { return String(column) }
        return first + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension Problem {
    /// The database connection was lost under a request (or none could be had).
    ///
    /// - Parameter written: `false` when nothing was written, `nil` when the server could
    ///   not say whether the command's transaction committed.
    static func databaseUnavailable(written: Bool?) -> Problem {
        var problem = Problem(
            .serviceUnavailable, slug: written == false ? "database-unavailable" : "commit-outcome-unknown",
            title: "Service Unavailable",
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
