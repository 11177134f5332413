// Finance over HTTP: the chart of accounts, journal entries and their reversal, customer
// receipts and vendor payments with allocations, the lock date, the trial balance.
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import Hummingbird
import NIOCore
import PostgresNIO

struct FinanceRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        registerBooks(on: api)
        let documents = DocumentRoutes(client: client)
        documents.register(
            "journal-entries", .journalEntry, as: JournalEntryDocument.self, on: api, post: .financePost,
            read: .financeRead
        ) { (entry: NewJournalEntry, transaction, context) in
            try await FinanceCommands.post(entry, on: transaction, context: context)
        }
        let commands = CommandRunner(client: client)
        api.post(
            "journal-entries/:id/reverse", permission: .financePost,
            doc: .command(
                "Reverse an entry: a new entry with its debits and credits swapped (a correction is never an edit)",
                body: JournalReversal.self, answers: JournalEntryDocument.self, status: 201)
        ) { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<JournalReversal>(request, context: context)
            let reversal = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                let reversing = try await FinanceCommands.reverse(id, reversal, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .created,
                    json: DocumentRoutes.document(.journalEntry, id: reversing, on: transaction, logger: command.logger)
                )
            }
        }
        for (path, source, receipt) in [
            ("customer-receipts", SQLDocumentSource.customerReceipt, true),
            ("vendor-payments", SQLDocumentSource.vendorPayment, false),
        ] {
            documents.register(
                path, source, as: PaymentDocument.self, on: api, post: .financePost, read: .financeRead
            ) { (payment: NewPayment, transaction, context) in
                try await FinanceCommands.post(payment, receipt: receipt, on: transaction, context: context)
            }
            for (verb, releasing) in [("allocations", false), ("unallocations", true)] {
                api.post(
                    "\(path)/:id/\(verb)", permission: .financePost,
                    doc: .command(
                        releasing
                            ? "Give allocations back: that much of the payment is an advance again"
                            : "Allocate the payment to open \(receipt ? "invoices" : "bills"), at most what each has outstanding",
                        body: AllocationChange.self, answers: PaymentDocument.self)
                ) { request, context in
                    let id = try context.pathID()
                    let body = try await CommandBody<AllocationChange>(request, context: context)
                    let change = body.command
                    return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                        guard
                            try await SQLDocuments.document(source, id: id, on: transaction, logger: command.logger)
                                != nil
                        else { throw CommandError(.notFound, "there is no \(source.noun) \(id)") }
                        try await FinanceCommands.allocate(
                            id, change.allocations, releasing: releasing, on: transaction, context: command)
                        return try await CommandRunner.Outcome(
                            status: .ok,
                            json: DocumentRoutes.document(source, id: id, on: transaction, logger: command.logger))
                    }
                }
            }
        }
        let client = client
        api.get(
            "finance/lock-date", permission: .financeRead,
            doc: .reads("The lock date: nothing is posted on or before it", FinanceSettingsDocument.self)
        ) { _, context in
            SQLJSON(
                try await client.withLiveConnection { connection in
                    try await DocumentRoutes.document(.financeSettings, id: 1, on: connection, logger: context.logger)
                })
        }
        api.post(
            "finance/lock-date", permission: .financeLock,
            doc: .command(
                "Close the books up to a date: it only moves forward and stays before the business date",
                body: LockDate.self, answers: FinanceSettingsDocument.self)
        ) { request, context in
            let body = try await CommandBody<LockDate>(request, context: context)
            let lock = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await FinanceCommands.setLockDate(lock, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(.financeSettings, id: 1, on: transaction, logger: command.logger))
            }
        }
    }

    private func registerBooks(on api: APIRoutes) {
        let client = client
        api.get("accounts", permission: .financeRead, doc: .reads("The chart of accounts, in code order", Chart.self)) {
            _, context in
            JSONResponse(
                Chart(
                    items: try await client.withLiveConnection { connection in
                        try await AccountDocument.chart(on: connection, logger: context.logger)
                    }))
        }
        api.get(
            "reports/trial-balance", permission: .financeRead,
            doc: .reads(
                "Each account's debits, credits and balance up to a date, as JSON or (Accept: text/csv) CSV",
                TrialBalance.self, query: [("asOf", "last date counted, YYYY-MM-DD; the business date when left out")])
        ) { request, context in
            var query = QueryParameters(request)
            let asOf = query.date("asOf").flatMap { try? CalendarDate($0) }
            try query.check()
            let balance = try await client.withLiveConnection { connection in
                try await TrialBalance.asOf(asOf, on: connection, logger: context.logger)
            }
            if request.headers[.accept]?.contains("text/csv") == true {
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"trial-balance-\(balance.asOf).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: balance.csv)))
            }
            return try JSONResponse(balance).response(from: request, context: context)
        }
    }
}

/// The chart of accounts.
struct Chart: Codable, Sendable {
    var items: [AccountDocument]
}
