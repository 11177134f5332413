// Runs one command: one transaction, actor and request id set, Idempotency-Key honoured.
public import ERPStore
public import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore
public import PostgresNIO
import Synchronization

/// Runs command handlers on the pooled client.
public struct CommandRunner: Sendable {
    let client: PostgresClient

    /// A runner on `client`.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// What a command answers: a status and a JSON body.
    public struct Outcome: Sendable {
        /// The response status.
        public var status: HTTPResponse.Status
        /// The response body.
        public var json: String

        /// An outcome.
        public init(status: HTTPResponse.Status, json: String) {
            self.status = status
            self.json = json
        }

        /// An outcome whose body is `value` as JSON, keys sorted.
        public init(status: HTTPResponse.Status, encoding value: some Encodable) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            self.init(status: status, json: String(decoding: try encoder.encode(value), as: UTF8.self))
        }
    }

    /// Runs `work` in one transaction and answers with its outcome.
    ///
    /// With an `Idempotency-Key`, a repeat of the same request gets the stored first
    /// response and writes nothing; the same key with another body is refused (422).
    public func run(
        _ request: Request, context: ERPRequestContext, body: Data,
        _ work: @Sendable @escaping (PostgresConnection, CommandContext) async throws -> Outcome
    ) async throws -> Response {
        let outcome = try await outcome(request, context: context, body: body, work)
        return Self.json(outcome.json, status: outcome.status)
    }

    /// Runs `work`, which writes a document and returns its id, in one transaction, and
    /// answers with the document as it stands after the commit: for documents that
    /// triggers finish at the commit (an invoice is numbered there).
    ///
    /// With an `Idempotency-Key` the stored answer is the document's id, so a repeat gets
    /// the same document, read again.
    public func run(
        _ request: Request, context: ERPRequestContext, body: Data, answering source: SQLDocumentSource,
        status: HTTPResponse.Status,
        _ work: @Sendable @escaping (PostgresConnection, CommandContext) async throws -> Int64
    ) async throws -> Response {
        let outcome = try await outcome(request, context: context, body: body) { transaction, command in
            Outcome(status: status, json: #"{"id": \#(try await work(transaction, command))}"#)
        }
        guard let reference = try? JSONDecoder().decode(DocumentReference.self, from: Data(outcome.json.utf8)) else {
            throw CommandError(.notFound, "the stored answer names no \(source.noun)")
        }
        let document = try await client.withLiveConnection { connection in
            try await SQLDocuments.document(source, id: reference.id, on: connection, logger: context.logger)
        }
        guard let document else { throw CommandError(.notFound, "there is no \(source.noun) \(reference.id)") }
        return Self.json(document, status: outcome.status)
    }

    /// The answer ``run(_:context:body:answering:status:_:)`` stores.
    private struct DocumentReference: Decodable {
        var id: Int64
    }

    private func outcome(
        _ request: Request, context: ERPRequestContext, body: Data,
        _ work: @Sendable @escaping (PostgresConnection, CommandContext) async throws -> Outcome
    ) async throws -> Outcome {
        let endpoint = context.endpoint(of: request)
        let key = request.headers[.idempotencyKey]
        // As the IETF Idempotency-Key draft has it: visible ASCII, and short enough for the index.
        if let key, !(1...200).contains(key.utf8.count) || !key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            throw Problem(
                .badRequest, slug: "invalid-idempotency-key", title: "Bad Request",
                detail: "Idempotency-Key must be 1-200 visible ASCII characters (no spaces)"
            )
        }
        let command = CommandContext(
            actor: context.actor, actorName: context.principal?.name, requestID: context.requestID,
            clientAddress: context.clientAddress, logger: context.logger)
        // What the transaction was and what it answered before its COMMIT, for when the
        // connection is lost around the COMMIT and the server must say whether it landed.
        let attempt = Mutex<(transaction: String, outcome: Outcome?)>(("", nil))
        let outcome: Outcome
        do {
            outcome = try await client.withLiveConnection { connection in
                try await connection.inTransaction(logger: context.logger) { transaction in
                    let id = try await command.apply(to: transaction)
                    attempt.withLock { $0.transaction = id }
                    if let key,
                        let stored = try await Idempotency.lookUp(
                            key: key, endpoint: endpoint, body: body, on: transaction, context: command)
                    {
                        return Outcome(status: .init(code: stored.status), json: stored.body)
                    }
                    let outcome = try await work(transaction, command)
                    if let key {
                        let response = StoredResponse(status: outcome.status.code, body: outcome.json)
                        try await Idempotency.store(
                            key: key, endpoint: endpoint, body: body, response: response, on: transaction,
                            context: command)
                    }
                    attempt.withLock { $0.outcome = outcome }
                    return outcome
                }
            }
        } catch  where Self.isLostConnection(error) {
            let (transaction, answered) = attempt.withLock { $0 }
            // Only a transaction that got as far as its COMMIT can have landed.
            guard let answered else { throw Problem.databaseUnavailable(written: false) }
            switch await TransactionOutcome.of(transaction: transaction, client: client, logger: context.logger) {
            case .committed: outcome = answered
            case .rolledBack: throw Problem.databaseUnavailable(written: false)
            case .unknown: throw Problem.databaseUnavailable(written: nil)
            }
        }
        return outcome
    }

    /// The version from `If-Match` (`"3"`, `W/"3"` or `3`).
    public static func expectedVersion(_ request: Request) throws -> Int {
        guard let header = request.headers[.ifMatch] else {
            throw CommandError(.versionRequired, "send If-Match with the version you read (updates are optimistic)")
        }
        let text = header.replacingOccurrences(of: "W/", with: "").trimmingCharacters(
            in: CharacterSet(charactersIn: "\" "))
        guard let version = Int(text), version > 0 else {
            throw Problem(
                .badRequest, slug: "invalid-if-match", title: "Bad Request",
                detail: "If-Match must be the record's version, e.g. \"3\"")
        }
        return version
    }

    /// Whether `error` means the connection went away rather than the command failing.
    static func isLostConnection(_ error: any Error) -> Bool {
        error is ConnectionClosed || (error as? PSQLError)?.isConnectionFailure == true
    }

    /// A JSON response of `text`.
    public static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
