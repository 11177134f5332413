// /api/v1/products, /warehouses and /vendors: create, read, list, update (If-Match).
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// Routes of the master data.
struct MasterDataRoutes {
    let client: PostgresClient
    var commands: CommandRunner { CommandRunner(client: client) }

    func register(on api: APIRoutes) {
        register(
            .product, as: ProductDocument.self, on: api,
            create: { (body: NewProduct, tx, context) in
                try await MasterDataCommands.createProduct(body, on: tx, context: context)
            },
            update: { (id, version, body: ProductChanges, tx, context) in
                try await MasterDataCommands.updateProduct(id: id, version: version, body, on: tx, context: context)
            })
        register(
            .warehouse, as: WarehouseDocument.self, on: api,
            create: { (body: NewWarehouse, tx, context) in
                try await MasterDataCommands.createWarehouse(body, on: tx, context: context)
            },
            update: { (id, version, body: WarehouseChanges, tx, context) in
                try await MasterDataCommands.updateWarehouse(id: id, version: version, body, on: tx, context: context)
            })
        register(
            .vendor, as: VendorDocument.self, on: api,
            create: { (body: NewVendor, tx, context) in
                try await MasterDataCommands.createVendor(body, on: tx, context: context)
            },
            update: { (id, version, body: VendorChanges, tx, context) in
                try await MasterDataCommands.updateVendor(id: id, version: version, body, on: tx, context: context)
            })
    }

    private func register<New: Decodable & Sendable, Changes: Decodable & Sendable>(
        _ kind: MasterRecordKind,
        as document: any (Decodable & Sendable).Type,
        on api: APIRoutes,
        create: @Sendable @escaping (New, PostgresConnection, CommandContext) async throws -> Int64,
        update: @Sendable @escaping (Int64, Int, Changes, PostgresConnection, CommandContext) async throws -> Void
    ) {
        let path = kind.table
        let record = "\(kind.table)/:id"
        let commands = commands
        let client = client

        let noun = kind.rawValue
        api.post(
            path, permission: .masterDataManage,
            doc: .command("Create a \(noun)", body: New.self, answers: document, status: 201)
        ) { request, context in
            let body = try await CommandBody<New>(request, context: context)
            let command = body.command
            return try await commands.run(request, context: context, body: body.bytes) { tx, commandContext in
                let id = try await create(command, tx, commandContext)
                return try await CommandRunner.Outcome(
                    status: .created, json: Self.document(kind, id: id, on: tx, logger: commandContext.logger))
            }
        }
        api.get(
            path, permission: .masterDataRead,
            doc: .lists(
                "List \(noun)s", document,
                query: [("q", "search: the name, code or SKU contains it"), ("active", "true or false")])
        ) { request, context in
            let list = try ListParameters(request)
            let page = try await client.withLiveConnection { connection in
                try await MasterRecords.list(kind, list.request, on: connection, logger: context.logger)
            }
            return Page(
                items: page.items.map(SQLJSON.init),
                nextCursor: page.nextAfter.map { QueryParameters.cursor(after: [$0]) })
        }
        api.get(record, permission: .masterDataRead, doc: .reads("One \(noun)", document)) { _, context in
            let id = try context.pathID()
            let document = try await client.withLiveConnection { connection in
                try await Self.document(kind, id: id, on: connection, logger: context.logger)
            }
            return SQLJSON(document)
        }
        api.patch(
            record, permission: .masterDataManage,
            doc: .command(
                "Change the fields sent; \"active\": false deactivates", body: Changes.self, answers: document)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<Changes>(request, context: context)
            let changes = body.command
            return try await commands.run(request, context: context, body: body.bytes) { tx, commandContext in
                try await update(id, version, changes, tx, commandContext)
                return try await CommandRunner.Outcome(
                    status: .ok, json: Self.document(kind, id: id, on: tx, logger: commandContext.logger))
            }
        }
    }

    private static func document(_ kind: MasterRecordKind, id: Int64, on connection: PostgresConnection, logger: Logger)
        async throws -> String
    {
        guard let document = try await MasterRecords.document(kind, id: id, on: connection, logger: logger) else {
            throw CommandError(.notFound, "there is no \(kind.rawValue) \(id)")
        }
        return document
    }
}

/// `q`, `active`, `limit` and `cursor` of a list request.
struct ListParameters {
    var request: ListRequest

    init(_ httpRequest: Request) throws {
        var query = QueryParameters(httpRequest)
        request = ListRequest()
        request.search = query.text("q")
        request.active = query.boolean("active")
        request.limit = query.limit()
        request.after = query.cursor(count: 1)?.first ?? 0
        try query.check()
    }
}
