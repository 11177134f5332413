// /api/v1/stock-levels (the stock read model) and the stock documents: issues,
// transfers and adjustments.
import ERPHTTP
import ERPKernel
import ERPStore
import Hummingbird
import MasterData
import PostgresNIO

/// Routes of the stock documents and of the stock levels projection.
struct StockRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let documents = DocumentRoutes(client: client)
        documents.register(
            "stock-issues", .stockIssue, as: StockDocument.self, on: api, post: .inventoryIssue, read: .inventoryRead,
            StockCommands.issue
        )
        documents.register(
            "stock-transfers", .stockTransfer, as: StockDocument.self, on: api, post: .inventoryTransfer,
            read: .inventoryRead,
            StockCommands.transfer
        )
        documents.register(
            "stock-adjustments", .stockAdjustment, as: StockDocument.self, on: api, post: .inventoryAdjust,
            read: .inventoryRead,
            StockCommands.adjust
        )
        let client = client
        api.get(
            "stock-levels", permission: .inventoryRead,
            doc: .lists(
                "Stock per product and warehouse, from the projection", JSONObject.self,
                query: [
                    ("productId", "one product"), ("warehouseId", "one warehouse"),
                    ("belowReorder", "true: only below the reorder level"),
                    ("expiringWithinDays", "only batches expiring within this many days"),
                ])
        ) { request, context in
            var query = QueryParameters(request)
            var filter = StockLevelFilter()
            filter.productID = query.integer("productId", in: 1...Int64.max)
            filter.warehouseID = query.integer("warehouseId", in: 1...Int64.max)
            filter.belowReorder = query.boolean("belowReorder")
            filter.expiringWithinDays = query.integer("expiringWithinDays", in: 0...3650).map(Int.init)
            filter.limit = query.limit()
            if let after = query.cursor(count: 2) { filter.after = (after[0], after[1]) }
            try query.check()
            let page = try await client.withLiveConnection { [filter] connection in
                try await StockLevelQueries.list(filter, on: connection, logger: context.logger)
            }
            return Page(
                items: page.items.map(SQLJSON.init),
                nextCursor: page.next.map { QueryParameters.cursor(after: [$0.product, $0.warehouse]) })
        }
        api.get(
            "stock-levels/:id", permission: .inventoryRead,
            doc: .reads("One product's stock in every warehouse, by batch", JSONObject.self)
        ) { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await StockLevelQueries.product(id, on: connection, logger: context.logger)
            }
            guard let document else { throw CommandError(.notFound, "no stock has been recorded for product \(id)") }
            return SQLJSON(document)
        }
    }
}
