// Reading master data as the API shows it: the same documents the events carry.
import ERPKernel
import ERPStore
public import PostgresNIO

/// The kinds of master data and where each lives.
public enum MasterRecordKind: String, Sendable, CaseIterable {
    case product, warehouse, vendor

    /// Constant identifiers only: safe to splice into SQL.
    public var table: String { rawValue + "s" }
    var documentFunction: String { rawValue + "_document" }
    /// Columns a list's `q` searches (case-insensitive substring).
    var searchColumns: [String] {
        switch self {
        case .product: ["sku", "name", "brand"]
        case .warehouse: ["code", "name"]
        case .vendor: ["name", "gstin"]
        }
    }
}

/// What a list asks for: a search text, the active flag, and where the page starts.
public struct ListRequest: Sendable {
    /// Text the name or code must contain.
    public var search: String?
    /// Whether it is in use.
    public var active: Bool?
    /// The last id of the previous page (from its cursor).
    public var after: Int64
    /// Page size, 1…200.
    public var limit: Int

    /// Creates a value with the given fields.
    public init(search: String? = nil, active: Bool? = nil, after: Int64 = 0, limit: Int = 50) {
        self.search = search
        self.active = active
        self.after = after
        self.limit = limit
    }
}

/// One page of documents, in id order.
public struct RecordPage: Sendable {
    /// Each record as a JSON object.
    public var items: [String]
    /// The id to continue after, when there is more.
    public var nextAfter: Int64?
}

/// Reads products, warehouses and vendors as JSON documents.
public enum MasterRecords {
    /// The record's document, or `nil` when there is no such id.
    public static func document(_ kind: MasterRecordKind, id: Int64, on connection: PostgresConnection, logger: Logger)
        async throws -> String?
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(kind.documentFunction)(jsonb_build_object('id', $1::bigint))::text",
                binds: binds(id)),
            logger: logger
        )
        for try await document in rows.decode(String?.self) { return document }
        return nil
    }

    /// One page of records matching `request`.
    public static func list(
        _ kind: MasterRecordKind, _ request: ListRequest, on connection: PostgresConnection, logger: Logger
    ) async throws -> RecordPage {
        let search = kind.searchColumns.map { "strpos(lower(COALESCE(r.\($0), '')), lower($1)) > 0" }.joined(
            separator: " OR ")
        var bindings = PostgresBindings()
        bindings.append(request.search)
        bindings.append(request.active)
        bindings.append(request.after)
        bindings.append(request.limit + 1)
        let sql = """
            SELECT r.id, \(kind.documentFunction)(jsonb_build_object('id', r.id))::text
              FROM \(kind.table) r
             WHERE ($1::text IS NULL OR \(search))
               AND ($2::boolean IS NULL OR r.active = $2)
               AND r.id > $3
             ORDER BY r.id
             LIMIT $4
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var found: [(id: Int64, document: String)] = []
        for try await (id, document) in rows.decode((Int64, String).self) { found.append((id, document)) }
        let shown = found.prefix(request.limit)
        return RecordPage(items: shown.map(\.document), nextAfter: found.count > request.limit ? shown.last?.id : nil)
    }

    private static func binds(_ id: Int64) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }
}
