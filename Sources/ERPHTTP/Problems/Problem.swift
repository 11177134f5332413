// RFC 9457 problem details: the body of every 4xx and 5xx response.
public import ERPKernel
import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error response as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    /// One bad field, as the body's `errors` list shows it.
    public struct FieldProblem: Codable, Sendable, Hashable {
        /// The field, as a JSON path.
        public var field: String
        /// What is wrong with it.
        public var message: String
    }

    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short, stable slug; the body's `type` is `/problems/<slug>`.
    public var slug: String
    /// A short summary of the problem type.
    public var title: String
    /// What went wrong this time.
    public var detail: String
    /// One entry per bad field.
    public var errors: [FieldProblem]
    /// The request's id, to find it in the logs.
    public var requestID: String?
    /// Seconds after which a retry may succeed, sent as `Retry-After` (with 503 and 429).
    public var retryAfter: Int?
    /// The methods the path takes, sent as `Allow` (with 405).
    public var allow: String?
    /// The challenge sent as `WWW-Authenticate` (with 401).
    public var challenge: String?
    /// The permission the caller lacks (with 403), also in the body as `permission`.
    public var permission: String?

    /// A problem of `status`; `slug` names its type (`…/problems/<slug>`).
    public init(_ status: HTTPResponse.Status, slug: String, title: String, detail: String, errors: [FieldError] = []) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors.map { FieldProblem(field: $0.field, message: $0.message) }
    }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldProblem]
        var requestId: String?
        var permission: String?
    }

    /// The problem as an `application/problem+json` response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "/problems/\(slug)", title: title, status: status.code, detail: detail, errors: errors,
            requestId: requestID, permission: permission)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(body)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if let allow { headers[.allow] = allow }
        if let challenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
