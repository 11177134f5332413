// Every built-in role against every route of the build, generated from the route table:
// a route added tomorrow is in the matrix without a line here.
import ERPApp
import ERPHTTP
import ERPPlatform
import ERPTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Testing

@Suite struct AuthorizationMatrixTests {
    @Test func everyRoleGetsExactlyTheRoutesItsPermissionsGrant() async throws {
        let table = RouteTable()
        try await TestDatabase.withDatabase { test in
            try await test.withPool { client in
                _ = APIServer.router(
                    readiness: Readiness(client: client), client: client,
                    routes: Modules.routes(Modules.list(), client: client), table: table)
            }
        }
        let grants = Modules.list().grants
        // A module grants only permissions some route declares.
        let granted = Set(Modules.list().modules.flatMap { $0.grants.values.flatMap { $0 } })
        #expect(granted.isSubset(of: Set(table.permissions)), "\(granted.subtracting(table.permissions))")
        // Signing out ends the session, so it goes last.
        let guarded = table.entries.filter { $0.access != .open }
        let routes =
            guarded.filter { $0.path != "/api/v1/auth/logout" } + guarded.filter { $0.path == "/api/v1/auth/logout" }
        #expect(routes.count >= 40)
        #expect(routes.last?.path == "/api/v1/auth/logout")

        try await LiveAPI.with { test, http in
            var checked = 0
            for role in Role.builtIn {
                try await LiveAPI.createUser(test, email: "\(role).role@shop.test", roles: [role])
                let token = try await LiveAPI.signIn(http.http, email: "\(role).role@shop.test")
                for route in routes {
                    let path = route.path.replacingOccurrences(of: ":id", with: "999999")
                    var headers: HTTPFields = [.authorization: "Bearer \(token)", .ifMatch: "1"]
                    var body: ByteBuffer?
                    if route.method == .post || route.method == .patch {
                        headers[.contentType] = "application/json"
                        body = ByteBuffer(string: "{}")
                    }
                    let response = try await http.http.execute(
                        uri: path, method: route.method, headers: headers, body: body)
                    let what = "\(role) \(route.method) \(route.path)"
                    #expect(response.status != .unauthorized, "\(what)")
                    switch route.access {
                    case .permission(let permission) where !grants.allows(role, permission):
                        #expect(response.status == .forbidden, "\(what): \(response.status)")
                        let problem =
                            try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        #expect(problem?["permission"] as? String == permission.rawValue, "\(what)")
                    default:
                        #expect(response.status != .forbidden, "\(what)")
                    }
                    checked += 1
                }
            }
            #expect(checked == routes.count * Role.builtIn.count)
        }
    }

    @Test func theBuiltInRolesKeepTheirPromises() {
        let grants = Modules.list().grants
        let every = Set(Modules.list().modules.flatMap { $0.grants.values.flatMap { $0 } })
        // A viewer reads and nothing else; a cashier sells over the counter and does nothing else.
        for permission in every {
            #expect(grants.allows(.viewer, permission) == (permission.action == "read"), "\(permission)")
            #expect(grants.allows(.admin, permission))
        }
        #expect(every.filter { grants.allows(.cashier, $0) } == [Permission("sales.counter")])
        #expect(grants.allows(.storekeeper, Permission("inventory.adjust")))
        #expect(!grants.allows(.storekeeper, Permission("users.manage")))
        #expect(!grants.allows(.purchaser, Permission("purchasing.approve")))
    }
}
