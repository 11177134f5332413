// /api/v1/company (GET, PUT with If-Match) and /api/v1/customers (create, read, list
// with search and cursor, PATCH with If-Match).
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// Routes of the sales module.
struct SalesRoutes {
    let client: PostgresClient
    var commands: CommandRunner { CommandRunner(client: client) }

    func register(on api: APIRoutes) {
        registerCompany(on: api)
        registerCustomers(on: api)
        registerInvoices(on: api)
        registerReports(on: api)
        registerEInvoices(on: api)
        OrderRoutes(client: client).register(on: api)
    }

    private func registerReports(on api: APIRoutes) {
        let client = client
        api.get(
            "reports/sales-register", permission: .salesRead,
            doc: .reads(
                "Invoices and credit notes from one date to another, as JSON or (Accept: text/csv) CSV",
                SalesRegister.self,
                query: [
                    ("from", "first date, YYYY-MM-DD; the financial year's 1 April when left out"),
                    ("to", "last date, YYYY-MM-DD; today when left out"),
                ])
        ) { request, context in
            var query = QueryParameters(request)
            let dates = ["from", "to"].map { name in query.date(name).flatMap { try? CalendarDate($0) } }
            // By default, this financial year to date.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .india
            let now = calendar.dateComponents([.year, .month, .day], from: Date())
            let today = try CalendarDate(year: now.year ?? 2000, month: now.month ?? 1, day: now.day ?? 1)
            let first = dates[0] ?? FinancialYear(containing: today).firstDay
            let last = dates[1] ?? today
            if last < first { query.fail("to", "is before from (\(first))") }
            if FinancialYear(containing: first).startYear + 1 < FinancialYear(containing: last).startYear {
                query.fail("to", "is more than two financial years after from: ask for less at a time")
            }
            try query.check()
            let rows = try await client.withLiveConnection { connection in
                try await SalesRegister.rows(from: first, to: last, on: connection, logger: context.logger)
            }
            let register = SalesRegister(from: first, to: last, rows: rows)
            if request.headers[.accept]?.contains("text/csv") == true {
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"sales-register-\(first)-\(last).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: register.csv)))
            }
            return try JSONResponse(register).response(from: request, context: context)
        }
    }

    private func registerInvoices(on api: APIRoutes) {
        let commands = commands
        api.post(
            "counter-sales", permission: .salesCounter,
            doc: .command(
                "Sell over the counter: FEFO batches, MRP-inclusive prices, payments; answers with the tax invoice",
                body: CounterSale.self, answers: InvoiceDocument.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<CounterSale>(request, context: context)
            let sale = body.command
            return try await commands.run(
                request, context: context, body: body.bytes, answering: .invoice, status: .created
            ) { transaction, command in
                try await CounterSaleCommand.post(sale, on: transaction, context: command)
            }
        }
        let client = client
        api.get("invoices", permission: .salesRead, doc: .lists("Tax invoices, oldest first", InvoiceDocument.self)) {
            request, context in
            var query = QueryParameters(request)
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let page = try await client.withLiveConnection { connection in
                try await SQLDocuments.list(
                    .invoice, after: after, limit: limit, on: connection, logger: context.logger)
            }
            return Page(
                items: page.items.map(SQLJSON.init), nextCursor: page.next.map { QueryParameters.cursor(after: [$0]) })
        }
        api.get(
            "invoices/:id", permission: .salesRead,
            doc: .reads(
                "One tax invoice; with Accept: text/html its print view", InvoiceDocument.self,
                query: [("layout", "with Accept: text/html, a4 (the default: three copies) or receipt (80 mm)")])
        ) { request, context in
            let id = try context.pathID()
            var query = QueryParameters(request)
            let layout =
                query.oneOf("layout", InvoiceLayout.allCases.map(\.rawValue)).flatMap(InvoiceLayout.init) ?? .a4
            try query.check()
            let json = try await client.withLiveConnection { connection in
                try await DocumentRoutes.document(.invoice, id: id, on: connection, logger: context.logger)
            }
            guard request.headers[.accept]?.contains("text/html") == true else {
                return SQLJSON(json).response(from: request, context: context)
            }
            let invoice = try PostgresJSON.decoder().decode(InvoiceDocument.self, from: Data(json.utf8))
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: InvoicePrint.html(invoice, layout: layout))))
        }
    }

    /// GET `invoices/{id}/e-invoice`: the INV-01 JSON of a B2B invoice, its IRN in the
    /// `IRN` header; 404 saying why for a B2C invoice, 422 listing what the portal would
    /// refuse.
    private func registerEInvoices(on api: APIRoutes) {
        let client = client
        api.get(
            "invoices/:id/e-invoice", permission: .salesRead,
            doc: .reads(
                "The e-invoice (INV-01 version 1.1) of a B2B invoice, with its IRN in the IRN header", EInvoice.self)
        ) { _, context in
            let id = try context.pathID()
            let json = try await client.withLiveConnection { connection in
                try await DocumentRoutes.document(.invoice, id: id, on: connection, logger: context.logger)
            }
            let invoice = try PostgresJSON.decoder().decode(InvoiceDocument.self, from: Data(json.utf8))
            if let refusal = EInvoice.refusal(of: invoice) { throw CommandError(.notFound, refusal) }
            let document = EInvoice(invoice)
            let problems = document.problems
            guard problems.isEmpty else {
                throw CommandError(
                    .invalid,
                    "the e-invoice of \(invoice.number) would be refused: \(problems.joined(separator: "; "))",
                    fieldErrors: problems.map { FieldError("eInvoice", $0) })
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .invoiceReferenceNumber: document.irn],
                body: .init(byteBuffer: ByteBuffer(bytes: try EInvoice.encoder.encode(document))))
        }
    }

    private func registerCompany(on api: APIRoutes) {
        let client = client
        let commands = commands
        api.get(
            "company", permission: .salesRead,
            doc: .reads("The company profile, and what invoicing still needs", CompanyDocument.self)
        ) { _, context in
            try await client.withLiveConnection { connection in
                JSONResponse(try await PartyCommands.company(on: connection, logger: context.logger))
            }
        }
        api.put(
            "company", permission: .salesCompany,
            doc: .command(
                "Replace the company profile (a field left out is cleared)", body: CompanyProfile.self,
                answers: CompanyDocument.self)
        ) { request, context in
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<CompanyProfile>(request, context: context)
            let profile = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await PartyCommands.setCompany(profile, version: version, on: transaction, context: command)
                let document = try await PartyCommands.company(on: transaction, logger: command.logger)
                return try CommandRunner.Outcome(status: .ok, encoding: document)
            }
        }
    }

    private func registerCustomers(on api: APIRoutes) {
        let client = client
        let commands = commands
        api.post(
            "customers", permission: .salesCustomers,
            doc: .command("Create a customer", body: NewCustomer.self, answers: CustomerDocument.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewCustomer>(request, context: context)
            let customer = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                let id = try await PartyCommands.createCustomer(customer, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .created,
                    json: DocumentRoutes.document(.customer, id: id, on: transaction, logger: command.logger))
            }
        }
        api.get(
            "customers", permission: .salesRead,
            doc: .lists(
                "List customers", CustomerDocument.self,
                query: [("q", "search: the name, GSTIN or phone contains it"), ("active", "true or false")])
        ) { request, context in
            var query = QueryParameters(request)
            let search = query.text("q")
            let active = query.boolean("active")
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let rows = try await client.withLiveConnection { connection in
                try await connection.rows(
                    """
                    SELECT c.id, customer_document(jsonb_build_object('id', c.id))::text
                      FROM customers c
                     WHERE (\(search)::text IS NULL OR strpos(lower(c.name), lower(\(search))) > 0
                            OR strpos(lower(COALESCE(c.gstin, '')), lower(\(search))) > 0
                            OR strpos(COALESCE(c.phone, ''), \(search)) > 0)
                       AND (\(active)::boolean IS NULL OR c.active = \(active))
                       AND c.id > \(after)
                     ORDER BY c.id
                     LIMIT \(limit + 1)
                    """,
                    as: (Int64, String).self, logger: context.logger)
            }
            let page = rows.prefix(limit)
            return Page(
                items: page.map { SQLJSON($0.1) },
                nextCursor: rows.count > limit ? page.last.map { QueryParameters.cursor(after: [$0.0]) } : nil)
        }
        api.get("customers/:id", permission: .salesRead, doc: .reads("One customer", CustomerDocument.self)) {
            _, context in
            let id = try context.pathID()
            return SQLJSON(
                try await client.withLiveConnection { connection in
                    try await DocumentRoutes.document(.customer, id: id, on: connection, logger: context.logger)
                })
        }
        api.patch(
            "customers/:id", permission: .salesCustomers,
            doc: .command(
                "Change the fields sent; \"active\": false deactivates", body: CustomerChanges.self,
                answers: CustomerDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<CustomerChanges>(request, context: context)
            let changes = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await PartyCommands.updateCustomer(
                    id: id, version: version, changes, on: transaction, context: command)
                return try await CommandRunner.Outcome(
                    status: .ok,
                    json: DocumentRoutes.document(.customer, id: id, on: transaction, logger: command.logger))
            }
        }
    }
}

extension HTTPField.Name {
    /// `IRN`: the e-invoice's Invoice Reference Number.
    static let invoiceReferenceNumber: HTTPField.Name = {
        guard let name = HTTPField.Name("IRN") else { preconditionFailure("IRN is a header name") }
        return name
    }()
}
