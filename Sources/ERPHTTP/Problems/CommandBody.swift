// Reading a command's JSON body into its Swift type, with errors that name the field.
import ERPDomain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The raw body of a command (kept for the Idempotency-Key check) and its decoded value.
struct CommandBody<Command: Decodable> {
    var bytes: Data
    var command: Command

    /// Collects at most the context's upload limit (413 beyond it) and decodes it.
    ///
    /// - Throws: ``Problem`` 400 for malformed JSON, 422 for missing fields and wrong types.
    init(_ request: Request, context: ERPRequestContext) async throws {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        bytes = Data(buffer.readableBytesView)
        do {
            command = try JSONDecoder().decode(Command.self, from: bytes)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    static func problem(for error: DecodingError) -> Problem {
        switch error {
        case .keyNotFound(let key, let context):
            return invalid(path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return invalid(path(context.codingPath), "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return invalid(path(context.codingPath), "must be \(describe(type)), not null")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return invalid(path(context.codingPath), context.debugDescription)
        case .dataCorrupted:
            return Problem(.badRequest, slug: "malformed-json", title: "Bad Request", detail: "the request body is not valid JSON")
        @unknown default:
            return Problem(.badRequest, slug: "malformed-json", title: "Bad Request", detail: "the request body could not be read")
        }
    }

    private static func invalid(_ field: String, _ message: String) -> Problem {
        Problem(
            .unprocessableContent, slug: "invalid", title: "Unprocessable Content",
            detail: "\(field) \(message)", errors: [FieldError(field, message)]
        )
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
