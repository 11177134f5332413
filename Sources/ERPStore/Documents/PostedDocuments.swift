// Reading purchasing and stock documents as the API shows them: the same JSON the events carry.
public import PostgresNIO

/// The kinds of documents and where each lives.
public enum DocumentKind: String, Sendable, CaseIterable {
    case purchaseOrder, goodsReceipt, vendorBill, purchaseReturn, stockIssue, stockTransfer, stockAdjustment

    /// For messages: "purchase order".
    public var noun: String {
        switch self {
        case .purchaseOrder: "purchase order"
        case .goodsReceipt: "goods receipt"
        case .vendorBill: "vendor bill"
        case .purchaseReturn: "purchase return"
        case .stockIssue: "stock issue"
        case .stockTransfer: "stock transfer"
        case .stockAdjustment: "stock adjustment"
        }
    }

    /// The table, its document function and which of its rows are of this kind.
    /// Constant identifiers only: safe to splice into SQL.
    fileprivate var source: (table: String, function: String, condition: String) {
        switch self {
        case .purchaseOrder: ("purchase_orders", "purchase_order_document", "true")
        case .goodsReceipt: ("goods_receipts", "goods_receipt_document", "true")
        case .vendorBill: ("vendor_bills", "vendor_bill_document", "true")
        case .purchaseReturn: ("purchase_returns", "purchase_return_document", "true")
        case .stockIssue: ("stock_documents", "stock_document", "kind = 'issue'")
        case .stockTransfer: ("stock_documents", "stock_document", "kind = 'transfer'")
        case .stockAdjustment: ("stock_documents", "stock_document", "kind = 'adjustment'")
        }
    }
}

/// Reads documents as JSON.
public enum PostedDocuments {
    /// The document's JSON, or `nil` when there is no such document of this kind.
    public static func document(_ kind: DocumentKind, id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let (table, function, condition) = kind.source
        var binds = PostgresBindings()
        binds.append(id)
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(function)(jsonb_build_object('id', id))::text FROM \(table) WHERE id = $1 AND \(condition)", binds: binds),
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        return nil
    }

    /// One page of documents of `kind`, in id order; `status` filters purchase orders.
    ///
    /// - Returns: The documents and, when there is more, the last id.
    public static func list(
        _ kind: DocumentKind, status: String? = nil, after: Int64, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> (items: [String], next: Int64?) {
        let (table, function, condition) = kind.source
        var binds = PostgresBindings()
        binds.append(after)
        binds.append(limit + 1)
        binds.append(kind == .purchaseOrder ? status : nil)
        let statusFilter = kind == .purchaseOrder ? "($3::text IS NULL OR status = $3)" : "$3::text IS NULL"
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, \(function)(jsonb_build_object('id', id))::text
                      FROM \(table)
                     WHERE id > $1 AND \(condition) AND \(statusFilter)
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
