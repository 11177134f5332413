// The one shape of every list answer, and the one wrapper for JSON that SQL built.
import Foundation
public import Hummingbird
import NIOCore

/// A value a JSON answer carries: encoded from its Codable type, or, for ``SQLJSON``,
/// passed on as SQL built it.
public protocol JSONItem: Sendable {
    /// Appends the value's JSON text to `text`.
    func appendJSON(to text: inout String) throws
}

extension JSONItem where Self: Encodable {
    /// Encodes the value with sorted keys.
    public func appendJSON(to text: inout String) throws {
        text += String(decoding: try JSONItemEncoder.shared.encode(self), as: UTF8.self)
    }
}

/// The encoder of ``JSONItem`` values.
enum JSONItemEncoder {
    static let shared: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// A document whose JSON comes from SQL on purpose: the function that builds the event's
/// payload (`product_document`, `stock_document`, …) builds what the API shows, so the
/// two never drift apart. The text is passed on unchanged.
public struct SQLJSON: JSONItem, ResponseGenerator {
    /// The JSON text, as PostgreSQL wrote it.
    public var text: String

    /// Wraps JSON text from a query.
    public init(_ text: String) {
        self.text = text
    }

    /// Appends the text as it is.
    public func appendJSON(to text: inout String) {
        text += self.text
    }

    /// A 200 with the document.
    public func response(from request: Request, context: some RequestContext) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// One page of a list: `{"items": […], "nextCursor": "…"}`, `nextCursor` null on the last page.
public struct Page<Item: JSONItem>: ResponseGenerator, Sendable {
    /// This page's items, in the list's order.
    public var items: [Item]
    /// Opaque: pass it back as `cursor` for the next page; `nil` on the last page.
    public var nextCursor: String?

    /// A page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// The page as JSON text.
    public func json() throws -> String {
        var text = #"{"items":["#
        for (index, item) in items.enumerated() {
            if index > 0 { text += "," }
            try item.appendJSON(to: &text)
        }
        text += #"],"nextCursor":"#
        text += try nextCursor.map { String(decoding: try JSONItemEncoder.shared.encode($0), as: UTF8.self) } ?? "null"
        return text + "}"
    }

    /// A 200 with the page.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: try json())))
    }
}

/// A 200 whose body is `value` encoded from its Codable type (sorted keys, absent optionals left out).
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator, Sendable {
    /// What the body encodes.
    public var value: Value

    /// A response of `value`.
    public init(_ value: Value) {
        self.value = value
    }

    /// A 200 with the JSON.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONItemEncoder.shared.encode(value))))
    }
}
