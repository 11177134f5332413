// Purchasing and stock documents: POST posts one (201 with the document), GET /{id} reads it.
import ERPDomain
import ERPStore
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// Routes of purchase orders, goods receipts, vendor bills, purchase returns, and stock
/// issues, transfers and adjustments.
struct DocumentRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        post("purchase-orders", .purchaseOrder, on: api, PurchaseOrderCommands.create)
        post("goods-receipts", .goodsReceipt, on: api, GoodsReceiptCommands.receive)
        post("vendor-bills", .vendorBill, on: api, VendorBillCommands.post)
        post("purchase-returns", .purchaseReturn, on: api, PurchaseReturnCommands.post)
        post("stock-issues", .stockIssue, on: api, StockCommands.issue)
        post("stock-transfers", .stockTransfer, on: api, StockCommands.transfer)
        post("stock-adjustments", .stockAdjustment, on: api, StockCommands.adjust)
        editDraftOrders(on: api)
        action("approve", on: api, PurchaseOrderCommands.approve)
        action("cancel", on: api, PurchaseOrderCommands.cancel)
    }

    /// POST `path` posts a document; GET `path` lists them (`limit`, `cursor`, and
    /// `status` for purchase orders); GET `path/{id}` reads one.
    private func post<Body: Decodable & Sendable>(
        _ path: String, _ kind: DocumentKind, on api: APIRoutes,
        _ command: @Sendable @escaping (Body, PostgresConnection, CommandContext) async throws -> Int64
    ) {
        let commands = CommandRunner(client: client)
        let client = client
        api.post(path) { request, context in
            let body = try await CommandBody<Body>(request, context: context)
            let document = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, commandContext in
                let id = try await command(document, transaction, commandContext)
                return try await CommandRunner.Outcome(status: .created, json: Self.document(kind, id: id, on: transaction, logger: commandContext.logger))
            }
        }
        api.get(path) { request, context in
            var query = QueryParameters(request)
            let status = kind == .purchaseOrder
                ? query.oneOf("status", ["draft", "approved", "partially_received", "received", "cancelled"]) : nil
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let page = try await client.withLiveConnection { connection in
                try await PostedDocuments.list(kind, status: status, after: after, limit: limit, on: connection, logger: context.logger)
            }
            return CommandRunner.page(page.items, nextCursor: page.next.map { QueryParameters.cursor(after: [$0]) })
        }
        api.get("\(path)/:id") { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await Self.document(kind, id: id, on: connection, logger: context.logger)
            }
            return CommandRunner.json(document)
        }
    }

    /// PATCH `purchase-orders/{id}` (If-Match) edits a draft order and answers with it.
    private func editDraftOrders(on api: APIRoutes) {
        let commands = CommandRunner(client: client)
        api.patch("purchase-orders/:id") { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<PurchaseOrderChanges>(request, context: context)
            let changes = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, commandContext in
                try await PurchaseOrderCommands.update(id, version: version, changes, on: transaction, context: commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok, json: Self.document(.purchaseOrder, id: id, on: transaction, logger: commandContext.logger)
                )
            }
        }
    }

    /// POST `purchase-orders/{id}/<verb>` changes the order's status and answers with it.
    private func action(
        _ verb: String, on api: APIRoutes,
        _ command: @Sendable @escaping (Int64, PostgresConnection, CommandContext) async throws -> Void
    ) {
        let commands = CommandRunner(client: client)
        api.post("purchase-orders/:id/\(verb)") { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<Never?>.read(request, context: context)
            return try await commands.run(request, context: context, body: body) { transaction, commandContext in
                try await command(id, transaction, commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok, json: Self.document(.purchaseOrder, id: id, on: transaction, logger: commandContext.logger)
                )
            }
        }
    }

    private static func document(_ kind: DocumentKind, id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> String {
        guard let document = try await PostedDocuments.document(kind, id: id, on: connection, logger: logger) else {
            throw CommandError(.notFound, "there is no \(kind.noun) \(id)")
        }
        return document
    }
}
