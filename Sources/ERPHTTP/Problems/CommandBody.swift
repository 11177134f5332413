// Reading a command's JSON body into its Swift type, with errors that name the field.
import ERPKernel
public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore

/// The raw body of a command (kept for the Idempotency-Key check) and its decoded value.
public struct CommandBody<Command: Decodable> {
    /// The body as it came.
    public var bytes: Data
    /// The body decoded.
    public var command: Command

    /// Collects at most the context's upload limit (413 beyond it) and decodes it.
    ///
    /// - Throws: ``Problem`` 400 for a body that cannot be read or is not JSON, 422
    ///   naming every missing, ill-typed or unknown field.
    public init(_ request: Request, context: ERPRequestContext) async throws {
        bytes = try await Self.read(request, context: context)
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: bytes)
        } catch {
            throw Problem(
                .badRequest, slug: "malformed-json", title: "Bad Request", detail: "the request body is not valid JSON")
        }
        switch JSONBodyDecoder.decode(Command.self, from: document) {
        case .success(let command): self.command = command
        case .failure(let invalid):
            let detail =
                invalid.errors.count == 1
                ? "\(invalid.errors[0])" : "the request has \(invalid.errors.count) invalid fields"
            throw Problem(
                .unprocessableContent, slug: "invalid", title: "Unprocessable Content", detail: detail,
                errors: invalid.errors)
        }
    }

    /// The body's bytes, at most the context's upload limit.
    ///
    /// A body must come as `application/json`, and so must an empty one that names a
    /// type: a web page can POST `text/plain` or a form to a server on 127.0.0.1 without
    /// a preflight, and that must never reach a command.
    ///
    /// - Throws: ``Problem`` 415 for another content type, 413 beyond the limit, 400 when
    ///   the body cannot be read (a malformed chunked encoding, a connection that ends mid-body).
    public static func read(_ request: Request, context: ERPRequestContext) async throws -> Data {
        let contentType = request.headers[.contentType]
        if contentType != nil, !isJSON(contentType) { throw unsupportedMediaType }
        let data: Data
        do {
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            data = Data(buffer.readableBytesView)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw Problem(
                .badRequest, slug: "unreadable-body", title: "Bad Request", detail: "the request body could not be read"
            )
        }
        if !data.isEmpty, !isJSON(contentType) { throw unsupportedMediaType }
        return data
    }

    private static var unsupportedMediaType: Problem {
        Problem(
            .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported Media Type",
            detail: "commands take Content-Type: application/json")
    }

    private static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json"
    }
}
