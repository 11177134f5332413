// A live HTTP server on the test's database, and helpers to read its answers.
public import ERPApp
public import ERPEvents
public import ERPHTTP
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
public import Users

/// A live HTTP server on a test's database, and helpers to read its answers.
public enum LiveAPI {
    /// The administrator every live API test signs in as.
    public static let adminEmail = "admin@shop.test"
    /// Their password.
    public static let adminPassword = "correct horse battery staple"
    /// The key that signs the test servers' access tokens.
    public static let tokenKey = "test-token-key-of-thirty-two-bytes-or-more"

    /// How the test servers sign people in: the test key, a cheap bcrypt cost, `throttle`.
    public static func authentication(throttle: LoginThrottle = LoginThrottle()) -> AuthenticationSettings {
        AuthenticationSettings(tokenKey: try? TokenKey(secret: tokenKey), throttle: throttle, bcryptCost: 4)
    }

    /// Runs `body` against a live HTTP server on this test's database, signed in as the
    /// administrator (``adminEmail``): the client sends its access token with every
    /// request that names no `Authorization` of its own.
    public static func with(
        allowedOrigins: Set<String> = [], throttle: LoginThrottle = LoginThrottle(),
        _ body: @escaping @Sendable (TestDatabase, JSONClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { test in
            let client = PostgresClient(configuration: test.configuration.clientConfiguration(maximumConnections: 8))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let modules = Modules.list(.init(authentication: authentication(throttle: throttle)))
                let router = APIServer.router(
                    readiness: Readiness(client: client), client: client,
                    routes: Modules.routes(modules, client: client),
                    allowedOrigins: allowedOrigins)
                let app = Application(router: router)
                try await createUser(test, email: adminEmail, roles: [.admin])
                try await app.test(.live) { http in
                    let token = try await signIn(http, email: adminEmail)
                    try await body(test, JSONClient(http: http, token: token))
                }
                group.cancelAll()
            }
        }
    }

    /// Creates a user with `roles` and the password ``adminPassword`` (bcrypt cost 4).
    @discardableResult
    public static func createUser(_ test: TestDatabase, email: String, roles: [Role]) async throws -> Int64 {
        try await test.withConnection { connection in
            try await connection.inTransaction(logger: test.logger) { transaction in
                let context = CommandContext(actor: "test", requestID: "setup", logger: test.logger)
                try await context.apply(to: transaction)
                return try await UserCommands.create(
                    NewUser(email: email, name: email, password: adminPassword, roles: roles),
                    passwords: Passwords(cost: 4), on: transaction, context: context)
            }
        }
    }

    /// Signs `email` in (password ``adminPassword``); the whole answer.
    public static func tokens(_ http: any TestClientProtocol, email: String, password: String = adminPassword)
        async throws -> TokenAnswer
    {
        let body = #"{"email":"\#(email)","password":"\#(password)"}"#
        let response = try await http.execute(
            uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: body))
        guard response.status == .ok else {
            throw SetupError("signing \(email) in answered \(response.status): \(String(buffer: response.body))")
        }
        return try JSONDecoder().decode(TokenAnswer.self, from: response.body)
    }

    /// Signs `email` in; the access token.
    public static func signIn(_ http: any TestClientProtocol, email: String) async throws -> String {
        try await tokens(http, email: email).accessToken
    }

    /// What `POST /auth/login` and `/auth/refresh` answer.
    public struct TokenAnswer: Decodable, Sendable {
        /// The bearer token.
        public var accessToken: String
        /// The refresh token.
        public var refreshToken: String
        /// Seconds until the access token expires.
        public var expiresIn: Int
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
/// and the access token it was made with unless the test names another `Authorization`,
/// as every well-behaved client of the API does.
public struct JSONClient: TestClientProtocol {
    /// The client it wraps: what a test uses to send exactly the headers it means.
    public let http: any TestClientProtocol
    /// The bearer token sent with each request.
    public let token: String?

    /// A client of `http` sending `token`.
    public init(http: any TestClientProtocol, token: String?) {
        self.http = http
        self.token = token
    }

    /// The same client with another token (`nil`: none).
    public func signed(_ token: String?) -> JSONClient { JSONClient(http: http, token: token) }

    /// The live server's port.
    public var port: Int? { http.port }

    /// Sends the request, with `Content-Type: application/json` when it has a body, and the token.
    public func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?)
        async throws
        -> TestResponse
    {
        var headers = headers
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        if let token, headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await http.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`.
    public static let idempotencyKey = Self("Idempotency-Key") ?? .contentType
}
