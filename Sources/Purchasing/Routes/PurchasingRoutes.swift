// Purchase orders, goods receipts, vendor bills and purchase returns over HTTP.
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import Hummingbird
import Inventory
import Logging
import MasterData
import PostgresNIO

/// Routes of purchase orders (post, edit a draft, approve, cancel), goods receipts,
/// vendor bills and purchase returns.
struct PurchasingRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let documents = DocumentRoutes(client: client)
        documents.register(
            "purchase-orders", .purchaseOrder, as: PurchaseOrderDocument.self, on: api, post: .purchasingOrder,
            read: .purchasingRead,
            filter: ("status", PurchaseOrderStatus.storedValues), PurchaseOrderCommands.create
        )
        documents.register(
            "goods-receipts", .goodsReceipt, as: GoodsReceiptDocument.self, on: api, post: .purchasingReceive,
            read: .purchasingRead,
            GoodsReceiptCommands.receive
        )
        documents.register(
            "vendor-bills", .vendorBill, as: VendorBillDocument.self, on: api, post: .purchasingBill,
            read: .purchasingRead, VendorBillCommands.post
        )
        documents.register(
            "purchase-returns", .purchaseReturn, as: PurchaseReturnDocument.self, on: api, post: .purchasingReturn,
            read: .purchasingRead,
            PurchaseReturnCommands.post
        )
        editDraftOrders(on: api)
        action("approve", on: api, PurchaseOrderCommands.approve)
        action("cancel", on: api, PurchaseOrderCommands.cancel)
    }

    /// PATCH `purchase-orders/{id}` (If-Match) edits a draft order and answers with it.
    private func editDraftOrders(on api: APIRoutes) {
        let commands = CommandRunner(client: client)
        api.patch(
            "purchase-orders/:id", permission: .purchasingOrder,
            doc: .command("Edit a draft order", body: PurchaseOrderChanges.self, answers: PurchaseOrderDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<PurchaseOrderChanges>(request, context: context)
            let changes = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, commandContext in
                try await PurchaseOrderCommands.update(
                    id, version: version, changes, on: transaction, context: commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(
                        .purchaseOrder, id: id, on: transaction, logger: commandContext.logger)
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
        api.post(
            "purchase-orders/:id/\(verb)", permission: .purchasingApprove,
            doc: .command("\(verb.capitalized) an order", body: nil, answers: PurchaseOrderDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<Never?>.read(request, context: context)
            return try await commands.run(request, context: context, body: body) { transaction, commandContext in
                try await command(id, transaction, commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(
                        .purchaseOrder, id: id, on: transaction, logger: commandContext.logger)
                )
            }
        }
    }
}
