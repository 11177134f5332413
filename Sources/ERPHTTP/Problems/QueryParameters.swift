// Reading a list request's query string: every bad parameter named in one 400.
import ERPKernel
import Foundation
public import Hummingbird

/// Reads typed query parameters, collecting an error per bad one; ``check()`` throws them together.
public struct QueryParameters {
    private let query: Parameters
    private var errors: [FieldError] = []

    /// Reads the query string of `request`.
    public init(_ request: Request) {
        query = request.uri.queryParameters
    }

    /// A text parameter; empty counts as absent. U+0000 is refused (PostgreSQL stores no such text).
    public mutating func text(_ name: String) -> String? {
        guard let text = query.get(name), !text.isEmpty else { return nil }
        guard !text.unicodeScalars.contains("\u{0}") else {
            errors.append(FieldError(name, "must not contain the character U+0000"))
            return nil
        }
        return text
    }

    /// The integer parameter `name` within `range`; a bad one is recorded and `nil` returned.
    public mutating func integer(_ name: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let text = query.get(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            errors.append(FieldError(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)"))
            return nil
        }
        return value
    }

    /// The boolean parameter `name` (`true` or `false`); a bad one is recorded and `nil` returned.
    public mutating func boolean(_ name: String) -> Bool? {
        switch query.get(name) {
        case nil: return nil
        case "true": return true
        case "false": return false
        default:
            errors.append(FieldError(name, "must be true or false"))
            return nil
        }
    }

    /// The parameter `name` when it is one of `values`; another is recorded and `nil` returned.
    public mutating func oneOf(_ name: String, _ values: [String]) -> String? {
        guard let text = query.get(name) else { return nil }
        guard values.contains(text) else {
            errors.append(FieldError(name, "must be one of \(values.joined(separator: ", "))"))
            return nil
        }
        return text
    }

    /// A date parameter, `YYYY-MM-DD`; a bad one is recorded and `nil` returned.
    public mutating func date(_ name: String) -> String? {
        guard let text = query.get(name) else { return nil }
        guard (try? CalendarDate(text)) != nil else {
            errors.append(FieldError(name, "must be a date such as 2026-04-01"))
            return nil
        }
        return text
    }

    /// Records that `name` is bad: `message` says why.
    public mutating func fail(_ name: String, _ message: String) {
        errors.append(FieldError(name, message))
    }

    /// `limit`, 1…200, 50 when absent.
    public mutating func limit() -> Int {
        Int(integer("limit", in: 1...200) ?? 50)
    }

    /// The integers a `cursor` this API gave out stands for.
    public mutating func cursor(count: Int) -> [Int64]? {
        guard let text = query.get("cursor") else { return nil }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("after:")
        else {
            errors.append(FieldError("cursor", "is not a cursor this API gave out"))
            return nil
        }
        let values = decoded.dropFirst(6).split(separator: ":").compactMap { Int64($0) }
        guard values.count == count else {
            errors.append(FieldError("cursor", "is not a cursor this API gave out"))
            return nil
        }
        return values
    }

    /// The cursor that continues after `values`.
    public static func cursor(after values: [Int64]) -> String {
        Data("after:\(values.map(String.init).joined(separator: ":"))".utf8).base64EncodedString()
    }

    /// - Throws: ``Problem`` 400 naming every bad parameter.
    public func check() throws {
        if !errors.isEmpty {
            throw Problem(
                .badRequest, slug: "invalid-query", title: "Bad Request", detail: "the query has invalid parameters",
                errors: errors)
        }
    }
}
