// Event types as typed values owned by the module that records them.

/// A dotted event type, e.g. `goods.received`.
///
/// Each type is declared once, as a constant of the module whose trigger records it
/// (`PurchasingEvents.goodsReceived`); code compares and filters by those constants, never
/// by string literals.
public struct EventType: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The type as the `events.type` column stores it.
    public var rawValue: String

    /// A type by its stored name.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A type by its stored name; declare each once, as a module's constant.
    public init(_ name: String) {
        self.rawValue = name
    }

    /// The stored name.
    public var description: String { rawValue }

    /// By name.
    public static func < (left: EventType, right: EventType) -> Bool { left.rawValue < right.rawValue }

    /// Decodes a plain JSON string.
    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes as a plain JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Collection<EventType> {
    /// The stored names, for a SQL array bind (`type = ANY(…)`).
    public var names: [String] { map(\.rawValue).sorted() }
}

/// Something a kind of event says about itself that modules other than its owner rely
/// on, e.g. that its payload carries stock `movements`. Modules declare traits as
/// constants (`EventTrait.movesStock`).
public struct EventTrait: RawRepresentable, Hashable, Sendable {
    /// The trait's name.
    public var rawValue: String

    /// A trait by name.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }
}

/// One event type a module records, with its traits and the type Swift reads its payload as.
public struct EventDeclaration: Sendable {
    /// The type.
    public var type: EventType
    /// What other modules may rely on about it.
    public var traits: Set<EventTrait>
    /// The Codable type its payload decodes into, where Swift reads it; the contract
    /// tests decode every payload and the API's JSON of the same document with it.
    public var payload: (any (Decodable & Sendable).Type)?

    /// Declares `type`, whose payload decodes as `payload`.
    public init(_ type: EventType, traits: Set<EventTrait> = [], payload: (any (Decodable & Sendable).Type)? = nil) {
        self.type = type
        self.traits = traits
        self.payload = payload
    }
}

/// Every event type a build records: the union of its modules' declarations.
public struct EventCatalog: Sendable {
    /// The declarations, in the order the modules gave them.
    public let declarations: [EventDeclaration]

    /// A catalogue of `declarations`; a type declared twice keeps the union of its traits.
    public init(_ declarations: [EventDeclaration]) {
        self.declarations = declarations
    }

    /// Every declared type.
    public var all: Set<EventType> { Set(declarations.map(\.type)) }

    /// The types declared with `trait`, whichever module declared them.
    public func types(with trait: EventTrait) -> Set<EventType> {
        Set(declarations.filter { $0.traits.contains(trait) }.map(\.type))
    }
}

extension Collection<EventType> {
    /// The stored names as a SQL list of literals (`'a.b', 'c.d'`), for constant SQL a
    /// projector splices (``Projector/payloadSQL``). Event type names are dotted
    /// lowercase words, so they need no escaping; anything else is left out.
    public var sqlList: String {
        names.filter { $0.allSatisfy { $0.isLetter || $0 == "." || $0 == "_" } }.map { "'\($0)'" }.joined(
            separator: ", ")
    }
}
