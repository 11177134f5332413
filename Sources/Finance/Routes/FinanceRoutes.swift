// Finance over HTTP: the chart of accounts, journal entries and their reversal, customer
// receipts and vendor payments with allocations, the lock date, the trial balance.
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

struct FinanceRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        registerBooks(on: api)
        registerReturns(on: api)
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

    private func registerAccounts(on api: APIRoutes) {
        let client = client
        let commands = CommandRunner(client: client)
        api.post(
            "accounts", permission: .financePost,
            doc: .command(
                "Add an account (or a group) under a group; it takes the group's type", body: NewAccount.self,
                answers: AccountDocument.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewAccount>(request, context: context)
            let account = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                let id = try await FinanceCommands.create(account, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .created,
                    json: DocumentRoutes.document(.account, id: id, on: transaction, logger: command.logger))
            }
        }
        api.get("accounts/:id", permission: .financeRead, doc: .reads("One account", AccountDocument.self)) {
            _, context in
            let id = try context.pathID()
            return SQLJSON(
                try await client.withLiveConnection { connection in
                    try await DocumentRoutes.document(.account, id: id, on: connection, logger: context.logger)
                })
        }
        api.patch(
            "accounts/:id", permission: .financePost,
            doc: .command(
                "Rename an account; \"active\": false deactivates it (not one the posting rules use)",
                body: AccountChanges.self, answers: AccountDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<AccountChanges>(request, context: context)
            let changes = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await FinanceCommands.update(id: id, version: version, changes, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(.account, id: id, on: transaction, logger: command.logger))
            }
        }
    }

    private func registerBooks(on api: APIRoutes) {
        registerAccounts(on: api)
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
        let period = [
            ("from", "first date, YYYY-MM-DD; the financial year's 1 April when left out"),
            ("to", "last date, YYYY-MM-DD; the business date when left out"),
        ]
        report(
            "reports/account-statement", "An account's postings with opening, running and closing balances",
            Statement.self, query: [("account", "the account's code, e.g. 1201")] + period, on: api
        ) { query, connection, logger in
            let code = query.text("account")
            if code == nil { query.fail("account", "is required: an account's code") }
            let (from, to) = try await Self.period(&query, on: connection, logger: logger)
            try query.check()
            return try await Statement.account(code ?? "", from: from, to: to, on: connection, logger: logger)
        }
        report(
            "reports/party-ledger", "A customer's or vendor's statement with its running balance", Statement.self,
            query: [("partyType", "customer or vendor"), ("partyId", "the customer's or vendor's id")] + period,
            on: api
        ) { query, connection, logger in
            let type = query.oneOf("partyType", ["customer", "vendor"])
            let id = query.integer("partyId", in: 1...Int64.max)
            if type == nil { query.fail("partyType", "is required: customer or vendor") }
            if id == nil { query.fail("partyId", "is required") }
            let (from, to) = try await Self.period(&query, on: connection, logger: logger)
            try query.check()
            return try await Statement.party(
                type ?? "", id ?? 0, from: from, to: to, on: connection, logger: logger)
        }
        report(
            "reports/day-book", "Every journal of a day", DayBook.self,
            query: [("date", "the day, YYYY-MM-DD; the business date when left out")], on: api
        ) { query, connection, logger in
            let date = try await Self.day(&query, "date", on: connection, logger: logger)
            try query.check()
            return try await DayBook.of(date, on: connection, logger: logger)
        }
        report(
            "reports/profit-and-loss", "Income, expenses and net profit for a period", ProfitAndLoss.self,
            query: period, on: api
        ) { query, connection, logger in
            let (from, to) = try await Self.period(&query, on: connection, logger: logger)
            try query.check()
            return try await ProfitAndLoss.of(from: from, to: to, on: connection, logger: logger)
        }
        report(
            "reports/balance-sheet", "Assets, liabilities and equity (with the profit to date) as of a date",
            BalanceSheet.self, query: [("asOf", "the day, YYYY-MM-DD; the business date when left out")], on: api
        ) { query, connection, logger in
            let date = try await Self.day(&query, "asOf", on: connection, logger: logger)
            try query.check()
            return try await BalanceSheet.of(date, on: connection, logger: logger)
        }
        for receivables in [true, false] {
            report(
                receivables ? "reports/receivables" : "reports/payables",
                receivables
                    ? "Open B2B invoices by days past due (0-30, 31-60, 61-90, 91-120, 121+)"
                    : "Open vendor bills by days past due (0-30, 31-60, 61-90, 91-120, 121+)", Aging.self,
                query: [("asOf", "the day ages count to, YYYY-MM-DD; the business date when left out")], on: api
            ) { query, connection, logger in
                let date = try await Self.day(&query, "asOf", on: connection, logger: logger)
                try query.check()
                return try await Aging.of(receivables: receivables, asOf: date, on: connection, logger: logger)
            }
        }
    }

    private func registerReturns(on api: APIRoutes) {
        let client = client
        let month = [("month", "the return period, YYYY-MM; the business date's month when left out")]
        api.get(
            "reports/gstr-1", permission: .financeRead,
            doc: .reads("GSTR-1 of a month, in the GST portal's JSON keys", GSTR1.self, query: month)
        ) { request, context in
            let report = try await client.withLiveConnection { connection in
                var query = QueryParameters(request)
                let (year, month) = try await Self.month(&query, on: connection, logger: context.logger)
                try query.check()
                return try await GSTR1.of(year: year, month: month, on: connection, logger: context.logger)
            }
            return JSONResponse(report)
        }
        api.get(
            "reports/gstr-3b", permission: .financeRead,
            doc: .reads(
                "GSTR-3B summary of a month: outward supplies, input tax credit, net payable", GSTR3B.self,
                query: month)
        ) { request, context in
            let report = try await client.withLiveConnection { connection in
                var query = QueryParameters(request)
                let (year, month) = try await Self.month(&query, on: connection, logger: context.logger)
                try query.check()
                return try await GSTR3B.of(year: year, month: month, on: connection, logger: context.logger)
            }
            return JSONResponse(report)
        }
    }

    /// The `month` parameter (`2026-11`), or the business date's.
    static func month(_ query: inout QueryParameters, on connection: PostgresConnection, logger: Logger) async throws
        -> (Int, Int)
    {
        if let text = query.text("month") {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            if text.count == 7, parts.count == 2, (2017...2100).contains(parts[0]), (1...12).contains(parts[1]) {
                return (parts[0], parts[1])
            }
            query.fail("month", "must be a month such as 2026-11")
            return (2017, 7)
        }
        let today = try await day(&query, "", on: connection, logger: logger)
        let parts = today.description.split(separator: "-").compactMap { Int($0) }
        return (parts[0], parts[1])
    }

    /// GET `path`: JSON, or CSV with `Accept: text/csv`.
    private func report<Report: CSVReport & Decodable>(
        _ path: String, _ summary: String, _ type: Report.Type, query documented: [(String, String)],
        on api: APIRoutes,
        _ build: @Sendable @escaping (inout QueryParameters, PostgresConnection, Logger) async throws -> Report
    ) {
        let client = client
        api.get(
            path, permission: .financeRead,
            doc: .reads(summary + "; as JSON or (Accept: text/csv) CSV", type, query: documented)
        ) {
            request, context in
            let report = try await client.withLiveConnection { connection in
                var query = QueryParameters(request)
                return try await build(&query, connection, context.logger)
            }
            if request.headers[.accept]?.contains("text/csv") == true {
                let name = path.split(separator: "/").last.map(String.init) ?? "report"
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"\(name).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: report.csv)))
            }
            return try JSONResponse(report).response(from: request, context: context)
        }
    }

    /// The date parameter `name`, or the business date.
    static func day(_ query: inout QueryParameters, _ name: String, on connection: PostgresConnection, logger: Logger)
        async throws -> CalendarDate
    {
        if let given = query.date(name).flatMap({ try? CalendarDate($0) }) { return given }
        guard let today = try await connection.value("SELECT business_date()::text", as: String.self, logger: logger)
        else { throw CommandError(.notFound, "the database gave no business date") }
        return try CalendarDate(today)
    }

    /// `from` (the financial year's start) and `to` (the business date).
    static func period(_ query: inout QueryParameters, on connection: PostgresConnection, logger: Logger) async throws
        -> (CalendarDate, CalendarDate)
    {
        let to = try await day(&query, "to", on: connection, logger: logger)
        let from = query.date("from").flatMap { try? CalendarDate($0) } ?? FinancialYear(containing: to).firstDay
        if to < from { query.fail("to", "is before from (\(from))") }
        return (from, to)
    }
}

/// The chart of accounts.
struct Chart: Codable, Sendable {
    var items: [AccountDocument]
}
