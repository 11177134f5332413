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
        public var field: String
        public var message: String
    }

    public var status: HTTPResponse.Status
    /// A short, stable slug; the body's `type` is `/problems/<slug>`.
    public var slug: String
    public var title: String
    public var detail: String
    public var errors: [FieldProblem]
    public var requestID: String?
    /// Seconds after which a retry may succeed, sent as `Retry-After` (with 503 and 429).
    public var retryAfter: Int?
    /// The methods the path takes, sent as `Allow` (with 405).
    public var allow: String?

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
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: "/problems/\(slug)", title: title, status: status.code, detail: detail, errors: errors, requestId: requestID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(body)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
