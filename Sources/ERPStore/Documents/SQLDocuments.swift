// Reading documents as the API shows them: the JSON their document function builds in
// SQL, the same JSON their events carry.
public import PostgresNIO

/// Where a kind of document lives and the SQL function that builds its JSON (the one its
/// event trigger calls: `<function>_event`, from `document_event_trigger`). Modules declare theirs as constants.
public struct SQLDocumentSource: Sendable, Hashable {
    /// For messages: "purchase order".
    public var noun: String
    /// The table of its headers.
    public var table: String
    /// The function that builds a document's JSON from `{"id": …}`.
    public var function: String
    /// Which rows of the table are of this kind, a SQL condition (`kind = 'issue'`), or `true`.
    public var condition: String
    /// A text column lists may filter on (`status`), if any.
    public var filterColumn: String?

    /// A source. The names are constant identifiers of the module's code, never input:
    /// they are spliced into SQL.
    public init(noun: String, table: String, function: String, condition: String = "true", filterColumn: String? = nil)
    {
        self.noun = noun
        self.table = table
        self.function = function
        self.condition = condition
        self.filterColumn = filterColumn
    }
}

/// Reads documents as JSON.
public enum SQLDocuments {
    /// The document's JSON, or `nil` when there is no such document of this kind.
    public static func document(
        _ source: SQLDocumentSource, id: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        // Prepared: the answer of every command that returns its document reads it here.
        try await connection.preparedValue(
            """
            SELECT \(unescaped: source.function)(jsonb_build_object('id', id))::text
              FROM \(unescaped: source.table) WHERE id = \(id) AND \(unescaped: source.condition)
            """,
            as: String.self, logger: logger)
    }

    /// One page of documents, in id order; `filter` matches the source's filter column.
    ///
    /// - Returns: The documents and, when there is more, the last id.
    public static func list(
        _ source: SQLDocumentSource, filter: String? = nil, after: Int64, limit: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> (items: [String], next: Int64?) {
        var binds = PostgresBindings()
        binds.append(after)
        binds.append(limit + 1)
        binds.append(source.filterColumn == nil ? nil : filter)
        let filterCondition = source.filterColumn.map { "($3::text IS NULL OR \($0) = $3)" } ?? "$3::text IS NULL"
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, \(source.function)(jsonb_build_object('id', id))::text
                      FROM \(source.table)
                     WHERE id > $1 AND \(source.condition) AND \(filterCondition)
                     ORDER BY id
                     LIMIT $2
                    """,
                binds: binds
            ),
            logger: logger
        )
        var found: [(Int64, String)] = []
        for try await row in rows.decode((Int64, String).self) { found.append(row) }
        let shown = found.prefix(limit)
        return (shown.map(\.1), found.count > limit ? shown.last?.0 : nil)
    }
}
