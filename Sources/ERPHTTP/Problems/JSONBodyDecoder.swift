// Decodes a command body naming every bad field at once, and every field the command does not take.
import ERPKernel
import Foundation

/// A JSON document as parsed, before it meets a command's type.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number that is not an `Int64`: a fraction, or an integer out of its range.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// Decodes `Decodable` types from a ``JSONValue`` without stopping at the first bad field.
///
/// A missing, null or ill-typed field, an out-of-range number and a text with U+0000 in
/// it (PostgreSQL refuses it) are each recorded with their path and replaced by a stand-in
/// so that decoding goes on to the next field; the stand-ins are never used, since any
/// recorded error refuses the whole body. Keys the type never asks for are recorded too:
/// a field a command does not take is a mistake to report, not to ignore.
enum JSONBodyDecoder {
    /// Decodes `type` from `value`.
    ///
    /// - Returns: The value, or every field error found.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) -> Result<T, InvalidFields> {
        let report = Report()
        let decoded: T?
        do {
            decoded = try T(from: ValueDecoder(value: value, codingPath: [], report: report))
        } catch {
            // A stand-in could not be made (a type that refuses every default): what was
            // recorded up to here is the answer, with this error if it is the first.
            report.record(error, at: [])
            decoded = nil
        }
        report.recordUnknownKeys()
        guard report.errors.isEmpty, let decoded else {
            return .failure(
                InvalidFields(errors: report.errors.isEmpty ? [FieldError("body", "could not be read")] : report.errors)
            )
        }
        return .success(decoded)
    }

    /// The dotted path of `keys`, with `[index]` for array elements.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }

    /// What decoding found wrong, and which keys of each object were read.
    final class Report {
        private(set) var errors: [FieldError] = []
        private var objects: [(path: [any CodingKey], keys: Set<String>, used: KeyUse)] = []

        final class KeyUse {
            var keys: Set<String> = []
        }

        func fail(_ path: [any CodingKey], _ message: String) {
            let field = JSONBodyDecoder.path(path)
            // One message a field: a stand-in's own checks must not pile up behind the first.
            guard !errors.contains(where: { $0.field == field }) else { return }
            errors.append(FieldError(field.isEmpty ? "body" : field, message))
        }

        func record(_ error: any Error, at path: [any CodingKey]) {
            guard let error = error as? DecodingError else {
                fail(path, "\(error)")
                return
            }
            switch error {
            case .keyNotFound(let key, let context): fail(context.codingPath + [key], "is required")
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                fail(context.codingPath, "has the wrong type")
            case .dataCorrupted(let context): fail(context.codingPath, context.debugDescription)
            @unknown default: fail(path, "could not be read")
            }
        }

        func watch(_ path: [any CodingKey], keys: Set<String>) -> KeyUse {
            let use = KeyUse()
            objects.append((path, keys, use))
            return use
        }

        func recordUnknownKeys() {
            for object in objects {
                for key in object.keys.subtracting(object.used.keys).sorted() {
                    fail(object.path + [AnyKey(key)], "is not a field of this request")
                }
            }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ string: String) { stringValue = string }
        init(stringValue: String) { self.stringValue = stringValue }
        init(intValue: Int) {
            stringValue = "\(intValue)"
            self.intValue = intValue
        }
    }

    /// Decodes one value; `value == nil` makes stand-ins and records nothing.
    struct ValueDecoder: Decoder {
        let value: JSONValue?
        let codingPath: [any CodingKey]
        let report: Report
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        var isStandIn: Bool { value == nil }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard let value else {
                return KeyedDecodingContainer(Keyed<Key>(object: [:], codingPath: codingPath, report: report, use: nil))
            }
            guard case .object(let object) = value else {
                report.fail(codingPath, "must be an object")
                return KeyedDecodingContainer(Keyed<Key>(object: [:], codingPath: codingPath, report: report, use: nil))
            }
            let use = report.watch(codingPath, keys: Set(object.keys))
            return KeyedDecodingContainer(Keyed<Key>(object: object, codingPath: codingPath, report: report, use: use))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard let value else { return Unkeyed(elements: [], codingPath: codingPath, report: report) }
            guard case .array(let elements) = value else {
                report.fail(codingPath, "must be an array")
                return Unkeyed(elements: [], codingPath: codingPath, report: report)
            }
            return Unkeyed(elements: elements, codingPath: codingPath, report: report)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            Single(value: value, codingPath: codingPath, report: report)
        }

        /// Decodes `type` from `value`, recording what is wrong with it and standing in for it.
        static func decode<T: Decodable>(
            _ type: T.Type, from value: JSONValue?, at path: [any CodingKey], report: Report
        ) throws -> T {
            do {
                return try T(from: ValueDecoder(value: value, codingPath: path, report: report))
            } catch let error as DecodingError where value != nil {
                // A value type that checks its own text (a date, a GSTIN) or an enum.
                report.record(error, at: path)
                return try standIn(type, at: path, report: report)
            }
        }

        static func standIn<T: Decodable>(_ type: T.Type, at path: [any CodingKey], report: Report) throws -> T {
            // Such types refuse the empty text a stand-in decoder gives them.
            if let textValue = type as? any TextValue.Type, let value = textValue.standIn as? T { return value }
            return try T(from: ValueDecoder(value: nil, codingPath: path, report: report))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let codingPath: [any CodingKey]
        let report: Report
        let use: Report.KeyUse?

        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool {
            use?.keys.insert(key.stringValue)
            return object[key.stringValue] != nil
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            use?.keys.insert(key.stringValue)
            guard let value = object[key.stringValue] else { return true }
            if case .null = value { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            use?.keys.insert(key.stringValue)
            let path = codingPath + [key]
            guard use != nil else { return try ValueDecoder.standIn(type, at: path, report: report) }
            switch object[key.stringValue] {
            case nil:
                report.fail(path, "is required")
                return try ValueDecoder.standIn(type, at: path, report: report)
            case .null:
                report.fail(path, "must not be null")
                return try ValueDecoder.standIn(type, at: path, report: report)
            case let value?:
                return try ValueDecoder.decode(type, from: value, at: path, report: report)
            }
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            use?.keys.insert(key.stringValue)
            switch object[key.stringValue] {
            case nil, .null: return nil
            case let value?: return try ValueDecoder.decode(type, from: value, at: codingPath + [key], report: report)
            }
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            use?.keys.insert(key.stringValue)
            return try ValueDecoder(
                value: object[key.stringValue] ?? (use == nil ? nil : .null), codingPath: codingPath + [key],
                report: report
            )
            .container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            use?.keys.insert(key.stringValue)
            return try ValueDecoder(
                value: object[key.stringValue] ?? (use == nil ? nil : .null), codingPath: codingPath + [key],
                report: report
            )
            .unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            ValueDecoder(value: .object(object), codingPath: codingPath, report: report)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            use?.keys.insert(key.stringValue)
            return ValueDecoder(value: object[key.stringValue], codingPath: codingPath + [key], report: report)
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [JSONValue]
        let codingPath: [any CodingKey]
        let report: Report
        var currentIndex = 0

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next() throws -> (JSONValue, [any CodingKey]) {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, .init(codingPath: codingPath, debugDescription: "no more elements"))
            }
            defer { currentIndex += 1 }
            return (elements[currentIndex], codingPath + [AnyKey(intValue: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .null = elements[currentIndex] else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, path) = try next()
            if case .null = value {
                report.fail(path, "must not be null")
                return try ValueDecoder.standIn(type, at: path, report: report)
            }
            return try ValueDecoder.decode(type, from: value, at: path, report: report)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            let (value, path) = try next()
            return try ValueDecoder(value: value, codingPath: path, report: report).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let (value, path) = try next()
            return try ValueDecoder(value: value, codingPath: path, report: report).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let (value, path) = try next()
            return ValueDecoder(value: value, codingPath: path, report: report)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue?
        let codingPath: [any CodingKey]
        let report: Report

        func decodeNil() -> Bool {
            guard let value else { return false }
            if case .null = value { return true }
            return false
        }

        func decode(_ type: Bool.Type) throws -> Bool {
            if case .bool(let flag)? = value { return flag }
            if value != nil { report.fail(codingPath, "must be true or false") }
            return false
        }

        func decode(_ type: String.Type) throws -> String {
            guard let value else { return "" }
            guard case .string(let text) = value else {
                report.fail(codingPath, "must be a string")
                return ""
            }
            if text.unicodeScalars.contains("\u{0}") {
                report.fail(codingPath, "must not contain the character U+0000")
            }
            return text
        }

        func decode(_ type: Double.Type) throws -> Double {
            switch value {
            case .integer(let number)?: return Double(number)
            case .number(let number)?: return number
            case nil: return 0
            default:
                report.fail(codingPath, "must be a number")
                return 0
            }
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

        /// An integer of `T`'s range, or a message saying what the value must be.
        private func integer<T: FixedWidthInteger>(_ type: T.Type) -> T {
            let range = "an integer from \(T.min) to \(T.max)"
            switch value {
            case .integer(let number)?:
                if let exact = T(exactly: number) { return exact }
                report.fail(codingPath, "must be \(range)")
            case .number(let number)?:
                report.fail(
                    codingPath, number.rounded() == number ? "must be \(range)" : "must be a whole number (\(range))")
            case nil:
                break
            default:
                report.fail(codingPath, "must be \(range)")
            }
            return 0
        }

        func decode(_ type: Int.Type) throws -> Int { integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { integer(type) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try ValueDecoder.decode(type, from: value, at: codingPath, report: report)
        }
    }
}
