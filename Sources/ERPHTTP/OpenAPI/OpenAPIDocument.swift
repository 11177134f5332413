// The OpenAPI 3.1 document of every route (OpenAPIKit), built from the route table: its
// paths, methods and permissions, and each route's RouteDoc; schemas read from the
// Codable types the handlers decode and answer.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIKit
import Synchronization

/// `GET /openapi.json`.
enum OpenAPIDocument {
    /// The document of every route in `table`.
    static func build(_ table: RouteTable) -> OpenAPI.Document {
        var paths: OrderedDictionary<OpenAPI.Path, Either<OpenAPI.Reference<OpenAPI.PathItem>, OpenAPI.PathItem>> = [:]
        var items: OrderedDictionary<String, OpenAPI.PathItem> = [:]
        for entry in table.entries where entry.path != "/openapi.json" {
            let path = openAPIPath(entry.path)
            var item = items[path] ?? OpenAPI.PathItem()
            let operation = self.operation(entry, doc: table.doc(entry.method, entry.path))
            switch entry.method {
            case .get: item.get = operation
            case .post: item.post = operation
            case .patch: item.patch = operation
            case .delete: item.delete = operation
            case .put: item.put = operation
            default: continue
            }
            items[path] = item
        }
        for (path, item) in items { paths[OpenAPI.Path(rawValue: path)] = .b(item) }
        let bearer = OpenAPI.SecurityScheme.http(
            scheme: "bearer", bearerFormat: "JWT",
            description: "An access token from POST /api/v1/auth/login, or an API key (erpk_…)")
        return OpenAPI.Document(
            openAPIVersion: .v3_1_1,
            info: .init(
                title: "ERPCore",
                description: "The API of ERPCore. Money is integer paise, dates are YYYY-MM-DD (India), errors are "
                    + "application/problem+json.",
                version: "1"),
            servers: [],
            paths: paths,
            components: .init(
                schemas: ["Problem": problemSchema],
                securitySchemes: ["bearer": .b(bearer)]),
            security: [[.component(named: "bearer"): []]]
        )
    }

    /// The document as JSON, keys sorted.
    static func json(_ table: RouteTable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(build(table))
    }

    /// `/api/v1/products/:id` as OpenAPI writes it, `/api/v1/products/{id}`.
    static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
        }.joined(separator: "/")
    }

    private static func operation(_ entry: RouteEntry, doc: RouteDoc?) -> OpenAPI.Operation {
        var parameters: OpenAPI.Parameter.Array = entry.path.split(separator: "/").filter { $0.hasPrefix(":") }.map {
            .b(.path(name: String($0.dropFirst()), schema: .integer(minimum: (1, exclusive: false))))
        }
        for (name, description) in doc?.query ?? [] {
            parameters.append(.b(.query(name: name, schema: .string, description: description)))
        }
        if entry.method == .patch || entry.method == .put {
            parameters.append(
                .b(.header(name: "If-Match", schema: .string, description: "the version read: \"3\"")))
        }
        if [.post, .patch, .put].contains(entry.method) {
            parameters.append(
                .b(
                    .header(
                        name: "Idempotency-Key", required: false, schema: .string,
                        description: "a retry with the same key answers the first response and writes nothing")))
        }
        var responses: OpenAPI.Response.Map = [:]
        switch doc?.answer {
        case .one(let type, let status)?:
            responses[.status(code: status)] = .b(json("Success", SchemaReflection.schema(of: type)))
        case .page(let type)?:
            let page = JSONSchema.object(properties: [
                "items": .array(items: SchemaReflection.schema(of: type)),
                "nextCursor": .string(nullable: true),
            ])
            responses[.status(code: 200)] = .b(json("One page; nextCursor is null on the last", page))
        case nil:
            responses[.status(code: 200)] = .b(OpenAPI.Response(description: "Success"))
        }
        for (code, what) in problems(entry) {
            responses[.status(code: code)] = .b(
                OpenAPI.Response(
                    description: what,
                    content: [
                        OpenAPI.ContentType(rawValue: "application/problem+json") ?? .json: .b(
                            OpenAPI.Content(schema: JSONSchema.reference(.component(named: "Problem"))))
                    ]))
        }
        let module = entry.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? "health"
        var description: String?
        switch entry.access {
        case .open: description = "Open to anyone."
        case .signedIn: description = "Any signed-in user or API key."
        case .permission(let permission): description = "Needs the permission `\(permission)`."
        }
        return OpenAPI.Operation(
            tags: [module], summary: doc?.summary, description: description, parameters: parameters,
            requestBody: doc?.body.map {
                OpenAPI.Request(
                    content: [.json: .b(OpenAPI.Content(schema: SchemaReflection.schema(of: $0)))], required: true)
            },
            responses: responses,
            security: entry.access == .open ? [] : nil
        )
    }

    private static func json(_ description: String, _ schema: JSONSchema) -> OpenAPI.Response {
        OpenAPI.Response(description: description, content: [.json: .b(OpenAPI.Content(schema: schema))])
    }

    /// The errors a route may answer, by what it is.
    private static func problems(_ entry: RouteEntry) -> [(Int, String)] {
        var problems: [(Int, String)] = [(400, "A malformed request or query")]
        if entry.access != .open {
            problems.append((401, "No credential, or a bad one (WWW-Authenticate says which)"))
        }
        if entry.permission != nil { problems.append((403, "None of the caller's roles grants the permission")) }
        if entry.path.contains(":") { problems.append((404, "No such record")) }
        if [.post, .patch, .put].contains(entry.method) {
            problems += [
                (409, "The records' state refuses the command"), (415, "The body is not application/json"),
                (422, "A field breaks a rule (errors name each)"),
            ]
        }
        if entry.method == .patch || entry.method == .put {
            problems += [(412, "The record changed since it was read"), (428, "If-Match is missing")]
        }
        if entry.path.hasSuffix("auth/login") { problems.append((429, "Too many failed sign-ins: see Retry-After")) }
        problems.append((503, "The database is unreachable: retry (see Retry-After)"))
        return problems
    }

    private static let problemSchema = JSONSchema.object(
        description: "RFC 9457 problem details",
        properties: [
            "type": .string, "title": .string, "status": .integer, "detail": .string,
            "errors": .array(items: .object(properties: ["field": .string, "message": .string])),
            "requestId": .string(required: false), "permission": .string(required: false),
        ])
}

/// `GET /openapi.json`: the document, built once on first request.
struct OpenAPIRoute {
    let table: RouteTable

    func register(on router: Router<ERPRequestContext>) {
        let table = table
        let built = BuiltOnce { try OpenAPIDocument.json(table) }
        table.add("/openapi.json", .get)
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try built.value())))
        }
    }
}

/// A value computed on first use.
final class BuiltOnce: Sendable {
    private let make: @Sendable () throws -> Data
    private let made = Mutex<Data?>(nil)

    init(_ make: @escaping @Sendable () throws -> Data) {
        self.make = make
    }

    func value() throws -> Data {
        if let data = made.withLock({ $0 }) { return data }
        let data = try make()
        made.withLock { $0 = data }
        return data
    }
}
