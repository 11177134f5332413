// What a route tells the OpenAPI document about itself: a summary, its body and answer
// types, its query parameters. The paths, methods and permissions come from the route table.
import HTTPTypes

/// The documentation of one route, given where it is registered.
public struct RouteDoc: Sendable {
    /// What a route answers on success.
    public enum Answer: Sendable {
        /// One value of the type, with the status (200, or 201 for a create).
        case one(any (Decodable & Sendable).Type, status: Int)
        /// A ``Page`` of values of the type.
        case page(any (Decodable & Sendable).Type)
    }

    /// One line: what the route does.
    public var summary: String
    /// The JSON body it takes; `nil` for none.
    public var body: (any (Decodable & Sendable).Type)?
    /// What it answers.
    public var answer: Answer
    /// Its query parameters, by name, with what each means.
    public var query: [(name: String, description: String)]

    /// A route that takes `body` and answers `answer`.
    public init(
        _ summary: String, body: (any (Decodable & Sendable).Type)? = nil, answer: Answer,
        query: [(name: String, description: String)] = []
    ) {
        self.summary = summary
        self.body = body
        self.answer = answer
        self.query = query
    }

    /// A route that answers one `type`, with 200.
    public static func reads(_ summary: String, _ type: any (Decodable & Sendable).Type, query: [(String, String)] = [])
        -> RouteDoc
    {
        RouteDoc(summary, answer: .one(type, status: 200), query: query.map { ($0.0, $0.1) })
    }

    /// A list answered as a page of `type`, with `limit` and `cursor` besides `query`.
    public static func lists(_ summary: String, _ type: any (Decodable & Sendable).Type, query: [(String, String)] = [])
        -> RouteDoc
    {
        RouteDoc(summary, answer: .page(type), query: query.map { ($0.0, $0.1) } + RouteDoc.paging)
    }

    /// A command that takes `body` and answers `type` with `status`.
    public static func command(
        _ summary: String, body: (any (Decodable & Sendable).Type)?, answers type: any (Decodable & Sendable).Type,
        status: Int = 200
    ) -> RouteDoc {
        RouteDoc(summary, body: body, answer: .one(type, status: status))
    }

    /// `limit` and `cursor`.
    public static let paging: [(name: String, description: String)] = [
        ("limit", "items per page, 1-200 (default 50)"), ("cursor", "the nextCursor of the page before"),
    ]
}

/// A JSON object the OpenAPI document does not describe field by field (a read model
/// that SQL builds with no Swift type of its own).
public struct JSONObject: Decodable, Sendable {
    /// Reads nothing.
    public init(from decoder: any Decoder) throws {}
}

/// A command's answer that says only that it was done: `{"signedOut": true}`.
public struct Done: Codable, Sendable {
    /// Always true.
    public var signedOut: Bool
}
