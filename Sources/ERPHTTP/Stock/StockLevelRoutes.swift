// /api/v1/stock-levels and /api/v1/notifications: the stock read models.
import ERPProjections
import ERPStore
import Hummingbird
import PostgresNIO

/// Routes that read the stock levels and notifications projections.
struct StockLevelRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let client = client
        api.get("stock-levels") { request, context in
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
            return CommandRunner.page(page.items, nextCursor: page.next.map { QueryParameters.cursor(after: [$0.product, $0.warehouse]) })
        }
        api.get("stock-levels/:id") { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await StockLevelQueries.product(id, on: connection, logger: context.logger)
            }
            guard let document else { throw CommandError(.notFound, "no stock has been recorded for product \(id)") }
            return CommandRunner.json(document)
        }
        api.get("notifications") { request, context in
            var query = QueryParameters(request)
            let status = query.oneOf("status", ["open", "acknowledged"])
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let page = try await client.withLiveConnection { connection in
                try await NotificationQueries.list(status: status, after: after, limit: limit, on: connection, logger: context.logger)
            }
            return CommandRunner.page(page.items, nextCursor: page.next.map { QueryParameters.cursor(after: [$0]) })
        }
        api.post("notifications/:id/acknowledge") { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await NotificationQueries.acknowledge(id, by: context.actor, on: connection, logger: context.logger)
            }
            guard let document else { throw CommandError(.notFound, "there is no notification \(id)") }
            return CommandRunner.json(document)
        }
    }
}
