// JSON Schemas of the API's Codable types, read from the types themselves: a decoder
// that records what each type asks for while it decodes itself.
import ERPKernel
import Foundation
import OpenAPIKit

/// The shape a type's `init(from:)` asks for.
indirect enum Shape: Sendable {
    case string(format: JSONTypeFormat.StringFormat?)
    case integer
    case number
    case boolean
    case enumeration([String])
    case array(Shape)
    case object([(name: String, shape: Shape, required: Bool)])
    case any

    /// As an OpenAPI schema.
    func schema(required: Bool = true) -> JSONSchema {
        switch self {
        case .string(let format?): .string(format: format, required: required)
        case .string(nil): .string(required: required)
        case .integer: .integer(required: required)
        case .number: .number(required: required)
        case .boolean: .boolean(required: required)
        case .enumeration(let values): .string(required: required, allowedValues: values.map { AnyCodable($0) })
        case .array(let element): .array(required: required, items: element.schema())
        case .object(let properties):
            .object(
                required: required,
                properties: OrderedDictionary(
                    properties.map { ($0.name, $0.shape.schema(required: $0.required)) },
                    uniquingKeysWith: { a, _ in a }))
        case .any: .fragment(required: required)
        }
    }
}

/// Reads the shape of Decodable types.
enum SchemaReflection {
    /// The schema of `type`, as far as its decoding could be followed.
    static func schema(of type: any (Decodable & Sendable).Type) -> JSONSchema {
        shape(of: type).schema()
    }

    static func shape(of type: any Decodable.Type) -> Shape {
        let recorder = Recorder()
        _ = try? value(of: type, recorder: recorder, codingPath: [])
        return recorder.shape ?? .any
    }

    /// A value of `type` (to hand back to the decoding type), its shape recorded in `recorder`.
    static func value<T: Decodable>(of type: T.Type, recorder: Recorder, codingPath: [any CodingKey]) throws -> T {
        if let (value, shape) = leaf(type) {
            recorder.shape = shape
            return value
        }
        let decoder = Reflector(recorder: recorder, codingPath: codingPath)
        return try T(from: decoder)
    }

    /// The value and shape of the types whose decoding says too little (a date is a
    /// number to Foundation) or validates what it reads.
    private static func leaf<T>(_ type: T.Type) -> (T, Shape)? {
        if let value = Date(timeIntervalSince1970: 0) as? T, type == Date.self {
            return (value, .string(format: .dateTime))
        }
        if type == UUID.self, let value = UUID() as? T { return (value, .string(format: .other("uuid"))) }
        if type == CalendarDate.self, let value = CalendarDate.standIn as? T { return (value, .string(format: .date)) }
        if let text = type as? any TextValue.Type, let value = text.standIn as? T {
            return (value, .string(format: nil))
        }
        if let cases = type as? any CaseIterable.Type {
            let all = allCases(cases)
            let values = all.compactMap { ($0 as? any RawRepresentable)?.rawValue as? String }
            if let first = all.first as? T, values.count == all.count { return (first, .enumeration(values)) }
        }
        return nil
    }

    private static func allCases<E: CaseIterable>(_ type: E.Type) -> [Any] {
        type.allCases.map { $0 }
    }
}

/// Where one value's shape is recorded.
final class Recorder {
    var shape: Shape?
    var properties: [(name: String, shape: Shape, required: Bool)] = [] {
        didSet { shape = .object(properties) }
    }
    /// Keys asked whether they are null: what `decodeIfPresent` does before it decodes.
    var optionalKeys: Set<String> = []
}

/// A decoder that hands out plain values and records what was asked for.
struct Reflector: Decoder {
    let recorder: Recorder
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if recorder.shape == nil { recorder.shape = .object([]) }
        return KeyedDecodingContainer(KeyedReflector<Key>(recorder: recorder, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedReflector(recorder: recorder, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleReflector(recorder: recorder, codingPath: codingPath)
    }
}

/// The primitive values a reflector hands out, with their shapes.
private func primitive<T>(_ type: T.Type) -> (T, Shape)? {
    switch type {
    case is String.Type: ("" as? T).map { ($0, .string(format: nil)) }
    case is Bool.Type: (false as? T).map { ($0, .boolean) }
    case is Double.Type: (0.0 as? T).map { ($0, .number) }
    // Decimal's own Decodable reads a keyed container it would describe as an object,
    // and recurses without end under the reflector: it is a number on the wire.
    case is Decimal.Type: (Decimal(0) as? T).map { ($0, .number) }
    case is Float.Type: (Float(0) as? T).map { ($0, .number) }
    case is Int.Type: (0 as? T).map { ($0, .integer) }
    case is Int64.Type: (Int64(0) as? T).map { ($0, .integer) }
    case is Int32.Type: (Int32(0) as? T).map { ($0, .integer) }
    case is UInt8.Type: (UInt8(0) as? T).map { ($0, .integer) }
    case is UInt.Type: (UInt(0) as? T).map { ($0, .integer) }
    default: nil
    }
}

private struct KeyedReflector<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: Recorder
    var codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.optionalKeys.insert(key.stringValue)
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try record(type, key, required: !recorder.optionalKeys.contains(key.stringValue))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try record(type, key, required: false)
    }

    private func record<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
        let inner = Recorder()
        let value: T
        if let (plain, shape) = primitive(type) {
            value = plain
            inner.shape = shape
        } else {
            value = try SchemaReflection.value(of: type, recorder: inner, codingPath: codingPath + [key])
        }
        if !recorder.properties.contains(where: { $0.name == key.stringValue }) {
            recorder.properties.append((key.stringValue, inner.shape ?? .any, required))
        }
        return value
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let inner = Recorder()
        inner.shape = .object([])
        recorder.properties.append((key.stringValue, .object([]), true))
        return KeyedDecodingContainer(KeyedReflector<NestedKey>(recorder: inner, codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        UnkeyedReflector(recorder: Recorder(), codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder { Reflector(recorder: recorder, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { Reflector(recorder: Recorder(), codingPath: codingPath) }
}

/// An array of one element, whose shape is the array's items.
private struct UnkeyedReflector: UnkeyedDecodingContainer {
    let recorder: Recorder
    var codingPath: [any CodingKey]
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(recorder: Recorder, codingPath: [any CodingKey]) {
        self.recorder = recorder
        self.codingPath = codingPath
        recorder.shape = .array(.any)
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        let inner = Recorder()
        let value: T
        if let (plain, shape) = primitive(type) {
            value = plain
            inner.shape = shape
        } else {
            value = try SchemaReflection.value(of: type, recorder: inner, codingPath: codingPath)
        }
        recorder.shape = .array(inner.shape ?? .any)
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        currentIndex += 1
        return KeyedDecodingContainer(KeyedReflector<NestedKey>(recorder: Recorder(), codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return UnkeyedReflector(recorder: Recorder(), codingPath: codingPath)
    }

    mutating func superDecoder() throws -> any Decoder { Reflector(recorder: Recorder(), codingPath: codingPath) }
}

private struct SingleReflector: SingleValueDecodingContainer {
    let recorder: Recorder
    var codingPath: [any CodingKey]

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let (plain, shape) = primitive(type) {
            recorder.shape = shape
            return plain
        }
        return try SchemaReflection.value(of: type, recorder: recorder, codingPath: codingPath)
    }
}
