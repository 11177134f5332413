// A live HTTP server on the test's database, and helpers to read its answers.
public import ERPApp
public import ERPEvents
import ERPHTTP
import ERPKernel
public import ERPPlatform
import ERPStore
import Foundation
public import HTTPTypes
import Hummingbird
public import HummingbirdTesting
import Inventory
import MasterData
public import NIOCore
import NIOFoundationCompat
import Notifications
import PostgresNIO
import Purchasing
import Testing

/// A live HTTP server on a test's database, and helpers to read its answers.
public enum LiveAPI {
    /// Runs `body` against a live HTTP server on this test's database.
    public static func with(
        allowedOrigins: Set<String> = [],
        _ body: @escaping @Sendable (TestDatabase, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { test in
            let client = PostgresClient(configuration: test.configuration.clientConfiguration(maximumConnections: 8))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let router = APIServer.router(
                    readiness: Readiness(client: client), client: client, allowedOrigins: allowedOrigins)
                let app = Application(router: router)
                try await app.test(.live) { http in try await body(test, JSONClient(http: http)) }
                group.cancelAll()
            }
        }
    }

    /// A problem+json body.
    public struct ProblemBody: Decodable {
        /// One bad field.
        public struct FieldProblem: Decodable {
            /// The field, as a JSON path.
            public var field: String
            /// What is wrong with it.
            public var message: String
        }

        /// The problem type's URI.
        public var type: String
        /// The HTTP status.
        public var status: Int
        /// What went wrong.
        public var detail: String
        /// One entry per bad field.
        public var errors: [FieldProblem]
    }

    /// The problem+json body of `response`, which must say it is one.
    public static func problem(_ response: TestResponse) throws -> ProblemBody {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try JSONDecoder().decode(ProblemBody.self, from: response.body)
    }

    /// The JSON object of `response`.
    public static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
    }

    /// Applies every event to `projectors` (by default every one `erp serve` runs), until none is left.
    public static func catchUpProjections(
        _ test: TestDatabase, _ projectors: [any Projector] = Modules.list().projectors()
    )
        async throws
    {
        try await test.withConnection { connection in
            for projector in projectors {
                let runner = ProjectorRunner(projector: projector, database: test.database, logger: test.logger)
                #expect(try await runner.tryToBecomeActive(on: connection))
                try await eventually("\(projector.name) caught up") {
                    switch try await runner.catchUp(on: connection) {
                    case .caughtUp: return true
                    case .heldBack: return false
                    case .stalled, .stopped: throw SetupError("\(projector.name) stalled")
                    }
                }
            }
        }
    }
}

/// A test client that sends a body as `application/json` unless the test names another type,
/// as every well-behaved client of the API does.
public struct JSONClient: TestClientProtocol {
    /// The client it wraps.
    public let http: any TestClientProtocol

    /// The live server's port.
    public var port: Int? { http.port }

    /// Sends the request, with `Content-Type: application/json` when it has a body.
    public func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?)
        async throws
        -> TestResponse
    {
        var headers = headers
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await http.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`.
    public static let idempotencyKey = Self("Idempotency-Key") ?? .contentType
}
