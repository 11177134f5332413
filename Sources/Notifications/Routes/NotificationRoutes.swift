// /api/v1/notifications: the notifications read model, and acknowledging one.
import ERPHTTP
import ERPKernel
import ERPStore
import Hummingbird
import Inventory
import MasterData
import PostgresNIO

/// Routes of the notifications.
struct NotificationRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let client = client
        api.get(
            "notifications", permission: .notificationsRead,
            doc: .lists(
                "Notifications, oldest first", JSONObject.self,
                query: [("status", "open or acknowledged")])
        ) { request, context in
            var query = QueryParameters(request)
            let status = query.oneOf("status", NotificationStatus.storedValues)
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let page = try await client.withLiveConnection { connection in
                try await NotificationQueries.list(
                    status: status, after: after, limit: limit, on: connection, logger: context.logger)
            }
            return Page(
                items: page.items.map(SQLJSON.init), nextCursor: page.next.map { QueryParameters.cursor(after: [$0]) })
        }
        let commands = CommandRunner(client: client)
        api.post(
            "notifications/:id/acknowledge", permission: .notificationsAcknowledge,
            doc: .command("Acknowledge a notification, once", body: nil, answers: JSONObject.self)
        ) { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<Never?>.read(request, context: context)
            return try await commands.run(request, context: context, body: body) { transaction, commandContext in
                try await NotificationCommands.acknowledge(id, on: transaction, context: commandContext)
                let document = try await NotificationQueries.notification(
                    id, on: transaction, logger: commandContext.logger)
                guard let document else { throw CommandError(.notFound, "there is no notification \(id)") }
                return CommandRunner.Outcome(status: .ok, json: document)
            }
        }
    }
}
