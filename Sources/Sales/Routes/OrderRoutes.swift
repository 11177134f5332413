// /api/v1/sales-orders (post a draft, list, read, confirm, cancel), /api/v1/deliveries
// (post, list, read), POST /api/v1/invoices (a B2B invoice for deliveries) and
// /api/v1/credit-notes (post, list, read).
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import Hummingbird
import PostgresNIO

/// Routes of sales orders, deliveries and B2B invoices.
struct OrderRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let documents = DocumentRoutes(client: client)
        documents.register(
            "sales-orders", .salesOrder, as: SalesOrderDocument.self, on: api, post: .salesOrders, read: .salesRead,
            filter: ("status", ["draft", "confirmed", "partially_delivered", "delivered", "cancelled"]),
            SalesOrderCommands.create)
        documents.register(
            "deliveries", .delivery, as: DeliveryDocument.self, on: api, post: .salesDeliver, read: .salesRead,
            DeliveryCommand.post)
        documents.register(
            "credit-notes", .creditNote, as: CreditNoteDocument.self, on: api, post: .salesInvoice, read: .salesRead,
            CreditNoteCommand.issue)
        api.declare(.salesOverrideCreditLimit)
        action(
            "confirm",
            "Confirm a draft: the credit check, then each line's stock reserved (409 when over the credit limit, unless you hold sales.override_credit_limit)",
            on: api
        ) { id, context, transaction, command in
            try await SalesOrderCommands.confirm(
                id: id, mayExceedCreditLimit: context.principal?.allows(.salesOverrideCreditLimit) ?? false,
                on: transaction, context: command)
        }
        action("cancel", "Cancel an order while nothing is delivered; its reservation is given back", on: api) {
            id, _, transaction, command in
            try await SalesOrderCommands.cancel(id: id, on: transaction, context: command)
        }
        let commands = CommandRunner(client: client)
        api.post(
            "invoices", permission: .salesInvoice,
            doc: .command(
                "Issue a B2B tax invoice for deliveries of one customer", body: NewInvoice.self,
                answers: InvoiceDocument.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewInvoice>(request, context: context)
            let invoice = body.command
            return try await commands.run(
                request, context: context, body: body.bytes, answering: .invoice, status: .created
            ) { transaction, command in
                try await InvoiceCommand.issue(invoice, on: transaction, context: command)
            }
        }
    }

    /// POST `sales-orders/{id}/<verb>` changes the order's status and answers with it.
    private func action(
        _ verb: String, _ summary: String, on api: APIRoutes,
        _ command:
            @Sendable @escaping (Int64, ERPRequestContext, PostgresConnection, CommandContext) async throws ->
            Void
    ) {
        let commands = CommandRunner(client: client)
        api.post(
            "sales-orders/:id/\(verb)", permission: .salesOrders,
            doc: .command(summary, body: nil, answers: SalesOrderDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<Never?>.read(request, context: context)
            return try await commands.run(request, context: context, body: body) { transaction, commandContext in
                try await command(id, context, transaction, commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(.salesOrder, id: id, on: transaction, logger: commandContext.logger))
            }
        }
    }
}
