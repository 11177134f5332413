// /api/v1/auth (sign in, refresh, sign out, who am I), /users, /roles and /api-keys.
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// The body of `POST /auth/login`.
struct LoginRequest: Decodable, Sendable {
    var email: String
    var password: String
}

/// The body of `POST /auth/refresh`.
struct RefreshRequest: Decodable, Sendable {
    var refreshToken: String
}

/// What `GET /auth/me` answers.
struct Me: Codable, Sendable {
    /// `user:12` or `api_key:3`.
    var actor: String
    /// The user's email or the key's name.
    var name: String
    var roles: [String]
    var permissions: [String]
    /// The user, when a user signed in.
    var user: UserDocument?
}

/// Routes of the users module.
struct UsersRoutes {
    let client: PostgresClient
    let authentication: Authentication
    var commands: CommandRunner { CommandRunner(client: client) }
    var cache: PrincipalCache { authentication.cache }

    func register(on api: APIRoutes) {
        registerAuth(on: api)
        registerUsers(on: api)
        registerRoles(on: api)
        registerKeys(on: api)
    }

    private func registerAuth(on api: APIRoutes) {
        let authentication = authentication
        let client = client
        api.post(
            "auth/login", access: .open,
            doc: .command(
                "Sign in: an access token and a refresh token", body: LoginRequest.self, answers: TokenPair.self)
        ) { request, context in
            let body = try await CommandBody<LoginRequest>(request, context: context).command
            let pair = try await authentication.login(email: body.email, password: body.password, request: context)
            return Self.tokens(pair)
        }
        api.post(
            "auth/refresh", access: .open,
            doc: .command(
                "A new pair for a refresh token, which is spent", body: RefreshRequest.self, answers: TokenPair.self)
        ) { request, context in
            let body = try await CommandBody<RefreshRequest>(request, context: context).command
            return Self.tokens(try await authentication.refresh(body.refreshToken, request: context))
        }
        let commands = commands
        api.post(
            "auth/logout", access: .signedIn,
            doc: .command("Sign out: end the session of the access token sent", body: nil, answers: Done.self)
        ) { request, context in
            let body = try await CommandBody<Never?>.read(request, context: context)
            guard let session = context.principal?.session.flatMap(UUID.init(uuidString:)) else {
                throw CommandError(.invalid, "an API key has no session to end: revoke the key instead")
            }
            defer { authentication.cache.invalidate() }
            return try await commands.run(request, context: context, body: body) { transaction, command in
                try await Authentication.logout(session: session, on: transaction, context: command)
                return CommandRunner.Outcome(status: .ok, json: #"{"signedOut":true}"#)
            }
        }
        let table = api.table
        api.get(
            "auth/me", access: .signedIn, doc: .reads("Who is signed in, their roles and permissions", Me.self)
        ) { _, context in
            guard let principal = context.principal else { throw Problem.unauthorized("sign in first") }
            var user: UserDocument?
            if principal.actor.hasPrefix("user:"), let id = Int64(principal.actor.dropFirst(5)) {
                user = try await client.withLiveConnection { connection in
                    try await UserCommands.document(id: id, on: connection, logger: context.logger)
                }
            }
            return JSONResponse(
                Me(
                    actor: principal.actor, name: principal.name, roles: principal.roles.map(\.rawValue),
                    permissions: table.permissions.filter(principal.allows).map(\.rawValue), user: user))
        }
    }

    private func registerUsers(on api: APIRoutes) {
        let client = client
        let commands = commands
        let cache = cache
        let passwords = authentication.passwords
        api.get("users", permission: .usersRead, doc: .lists("Users, by id", UserDocument.self)) { request, context in
            var query = QueryParameters(request)
            let limit = query.limit()
            let after = query.cursor(count: 1)?.first ?? 0
            try query.check()
            let rows = try await client.withLiveConnection { connection in
                try await connection.rows(
                    """
                    SELECT id, user_document(jsonb_build_object('id', id))::text FROM users
                     WHERE id > \(after) ORDER BY id LIMIT \(limit + 1)
                    """,
                    as: (Int64, String).self, logger: context.logger)
            }
            let page = rows.prefix(limit)
            return Page(
                items: page.map { SQLJSON($0.1) },
                nextCursor: rows.count > limit ? page.last.map { QueryParameters.cursor(after: [$0.0]) } : nil)
        }
        api.get("users/:id", permission: .usersRead, doc: .reads("One user", UserDocument.self)) { _, context in
            let id = try context.pathID()
            return try await client.withLiveConnection { connection in
                JSONResponse(try await UserCommands.document(id: id, on: connection, logger: context.logger))
            }
        }
        api.post(
            "users", permission: .usersManage,
            doc: .command("Create a user", body: NewUser.self, answers: UserDocument.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewUser>(request, context: context)
            let user = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                let id = try await UserCommands.create(user, passwords: passwords, on: transaction, context: command)
                let user = try await UserCommands.document(id: id, on: transaction, logger: command.logger)
                return try Self.outcome(.created, user)
            }
        }
        api.patch(
            "users/:id", permission: .usersManage,
            doc: .command(
                "Change a user's name, active flag or roles", body: UserChanges.self, answers: UserDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<UserChanges>(request, context: context)
            let changes = body.command
            defer { cache.invalidate() }
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await UserCommands.update(id: id, version: version, changes, on: transaction, context: command)
                let user = try await UserCommands.document(id: id, on: transaction, logger: command.logger)
                return try Self.outcome(.ok, user)
            }
        }
    }

    private func registerRoles(on api: APIRoutes) {
        let client = client
        let commands = commands
        let cache = cache
        let table = api.table
        let grants = api.grants
        api.get("roles", permission: .usersRead, doc: .lists("Every role and what it holds", RoleView.self)) {
            _, context in
            let roles = try await client.withLiveConnection { connection in
                try await RoleCommands.list(
                    grants: grants, known: table.permissions, on: connection, logger: context.logger)
            }
            return Page(items: roles, nextCursor: nil)
        }
        api.post(
            "roles", permission: .usersManage,
            doc: .command("Create a custom role", body: NewRole.self, answers: RoleView.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewRole>(request, context: context)
            let role = body.command
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                let id = try await RoleCommands.create(
                    role, known: table.permissions, on: transaction, context: command)
                let view = try await RoleCommands.list(
                    grants: grants, known: table.permissions, on: transaction, logger: command.logger
                ).first { $0.id == id }
                return try Self.outcome(.created, view)
            }
        }
        api.patch(
            "roles/:id", permission: .usersManage,
            doc: .command("Change a custom role", body: RoleChanges.self, answers: RoleView.self)
        ) { request, context in
            let id = try context.pathID()
            let version = try CommandRunner.expectedVersion(request)
            let body = try await CommandBody<RoleChanges>(request, context: context)
            let changes = body.command
            defer { cache.invalidate() }
            return try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try await RoleCommands.update(
                    id: id, version: version, changes, known: table.permissions, on: transaction, context: command)
                let view = try await RoleCommands.list(
                    grants: grants, known: table.permissions, on: transaction, logger: command.logger
                ).first { $0.id == id }
                return try Self.outcome(.ok, view)
            }
        }
    }

    private func registerKeys(on api: APIRoutes) {
        let client = client
        let commands = commands
        let cache = cache
        api.get("api-keys", permission: .usersRead, doc: .lists("API keys, without their secrets", APIKeyDocument.self))
        { _, context in
            let keys = try await client.withLiveConnection { connection in
                try await connection.rows(
                    """
                    SELECT (api_key_document(jsonb_build_object('id', id))
                            || jsonb_strip_nulls(jsonb_build_object('lastUsedAt', last_used_at)))::text
                      FROM api_keys ORDER BY id
                    """,
                    as: String.self, logger: context.logger)
            }
            return Page(items: keys.map(SQLJSON.init), nextCursor: nil)
        }
        api.post(
            "api-keys", permission: .usersManage,
            doc: .command(
                "Create an API key, shown this once", body: NewAPIKey.self, answers: CreatedAPIKey.self, status: 201)
        ) { request, context in
            let body = try await CommandBody<NewAPIKey>(request, context: context)
            let key = body.command
            // Never replayed from an Idempotency-Key: the stored answer would keep the secret.
            guard request.headers[.idempotencyKey] == nil else {
                throw CommandError(.invalid, "an API key is shown once: create it without an Idempotency-Key")
            }
            let response = try await commands.run(request, context: context, body: body.bytes) { transaction, command in
                try Self.outcome(.created, try await APIKeys.create(key, on: transaction, context: command))
            }
            var headers = response.headers
            headers[.cacheControl] = "no-store"
            return Response(status: response.status, headers: headers, body: response.body)
        }
        api.post(
            "api-keys/:id/revoke", permission: .usersManage,
            doc: .command("Revoke an API key", body: nil, answers: APIKeyDocument.self)
        ) { request, context in
            let id = try context.pathID()
            let body = try await CommandBody<Never?>.read(request, context: context)
            defer { cache.invalidate() }
            return try await commands.run(request, context: context, body: body) { transaction, command in
                try Self.outcome(.ok, try await APIKeys.revoke(id: id, on: transaction, context: command))
            }
        }
    }

    /// A token pair, never cached.
    static func tokens(_ pair: TokenPair) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(pair)) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A command's answer of `value`.
    static func outcome(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> CommandRunner.Outcome {
        try CommandRunner.Outcome(status: status, encoding: value)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key") ?? .contentType
}
