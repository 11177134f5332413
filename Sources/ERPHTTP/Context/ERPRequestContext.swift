// What every ERPCore request carries: who asks, from where, and the id that ties logs
// and events together.
import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// The request context of every ERPCore route.
public struct ERPRequestContext: RequestContext {
    /// Hummingbird's part of the context.
    public var coreContext: CoreRequestContextStorage
    /// From `X-Request-Id` when the client sent a sane one, otherwise generated.
    public var requestID: String
    /// Who the request is from, once its bearer credential is checked; `nil` on the open
    /// routes (health, sign-in). Never read from a header a client could forge.
    public var principal: Principal?
    /// The address of the client's end of the connection.
    public var clientAddress: String?

    /// How the event log names who asked: the principal's actor, or `anonymous`.
    public var actor: String { principal?.actor ?? "anonymous" }

    /// Command bodies are small documents; larger ones are refused with 413.
    public var maxUploadSize: Int { 256 * 1024 }

    /// A context with a fresh request id and no principal, until the route checks the credential.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = UUID().uuidString.lowercased()
        clientAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Reads the request id header, and echoes the request id on every response. (`X-Actor`
/// is not read: the actor is whoever the bearer credential names.)
struct RequestIdentityMiddleware: RouterMiddleware {
    typealias Context = ERPRequestContext

    func handle(
        _ request: Request, context: ERPRequestContext, next: (Request, ERPRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let id = request.headers[.requestID], Self.isSane(id) { context.requestID = id }
        context.logger[metadataKey: "requestID"] = "\(context.requestID)"
        var response = try await next(request, context)
        response.headers[.requestID] = context.requestID
        return response
    }

    private static func isSane(_ value: String) -> Bool {
        (1...128).contains(value.count) && value.allSatisfy { $0.isASCII && !$0.isWhitespace && !$0.isNewline }
    }
}

extension HTTPField.Name {
    static let requestID = constant("X-Request-Id")
    static let idempotencyKey = constant("Idempotency-Key")

    private static func constant(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header name") }
        return field
    }
}

extension ERPRequestContext {
    /// The `:id` of the route path; a path that is not a positive integer in its one
    /// spelling (`5`, not `05` or `+5`) names nothing (404).
    public func pathID() throws -> Int64 {
        guard let text = parameters.get("id"), let id = Int64(text), id > 0, String(id) == text else {
            throw Problem(
                .notFound, slug: "not-found", title: "Not Found",
                detail: "ids are positive integers, written without leading zeros")
        }
        return id
    }

    /// What a stored Idempotency-Key response is filed under: the method, the matched
    /// route and its path parameters, so that no other spelling of the path is another endpoint.
    func endpoint(of request: Request) -> String {
        let parameters = parameters.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "&")
        return "\(request.method) \(endpointPath ?? request.uri.path)" + (parameters.isEmpty ? "" : "?\(parameters)")
    }
}
