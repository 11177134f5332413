// Posted documents over HTTP: POST posts one (201 with the document), GET lists them,
// GET /{id} reads one; the document's JSON is its SQL document function's.
public import ERPStore
import Foundation
import Hummingbird
public import PostgresNIO

/// Registers the routes of a kind of posted document.
public struct DocumentRoutes: Sendable {
    let client: PostgresClient

    /// Routes on `client`.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// POST `path` posts a document with `command` (for callers with `post`); GET `path`
    /// lists them (`limit`, `cursor`, and `filterName` one of `filterValues` when the
    /// source has a filter column) and GET `path/{id}` reads one (for callers with `read`).
    public func register<Body: Decodable & Sendable>(
        _ path: String, _ source: SQLDocumentSource, as document: any (Decodable & Sendable).Type, on api: APIRoutes,
        post: Permission, read: Permission, filter: (name: String, values: [String])? = nil,
        _ command: @Sendable @escaping (Body, PostgresConnection, CommandContext) async throws -> Int64
    ) {
        let commands = CommandRunner(client: client)
        let client = client
        let noun = source.noun
        api.post(
            path, permission: post,
            doc: .command("Post a \(noun)", body: Body.self, answers: document, status: 201)
        ) { request, context in
            let body = try await CommandBody<Body>(request, context: context)
            let document = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, commandContext in
                let id = try await command(document, transaction, commandContext)
                return try await CommandRunner.Outcome(
                    status: .created,
                    json: Self.document(source, id: id, on: transaction, logger: commandContext.logger)
                )
            }
        }
        let query = filter.map {
            [($0.name, "only those whose \($0.name) is one of \($0.values.joined(separator: ", "))")]
        }
        api.get(path, permission: read, doc: .lists("List \(noun)s, oldest first", document, query: query ?? [])) {
            request, context in
            var query = QueryParameters(request)
            let filterValue = filter.flatMap { query.oneOf($0.name, $0.values) }
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let page = try await client.withLiveConnection { connection in
                try await SQLDocuments.list(
                    source, filter: filterValue, after: after, limit: limit, on: connection, logger: context.logger
                )
            }
            return Page(
                items: page.items.map(SQLJSON.init), nextCursor: page.next.map { QueryParameters.cursor(after: [$0]) })
        }
        api.get("\(path)/:id", permission: read, doc: .reads("One \(noun)", document)) { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await Self.document(source, id: id, on: connection, logger: context.logger)
            }
            return SQLJSON(document)
        }
    }

    /// The document's JSON.
    ///
    /// - Throws: ``CommandError`` `notFound` when there is none.
    public static func document(
        _ source: SQLDocumentSource, id: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> String {
        guard let document = try await SQLDocuments.document(source, id: id, on: connection, logger: logger) else {
            throw CommandError(.notFound, "there is no \(source.noun) \(id)")
        }
        return document
    }
}
