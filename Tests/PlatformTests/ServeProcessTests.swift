import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import Inventory
import MasterData
import NIOHTTP1
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct ServeProcessTests {
    @Test func sigtermDuringABurstExitsCleanlyWithNoHalfAppliedBatch() async throws {
        try await TestDatabase.withDatabase { test in
            let server = try ERPProcess.start(
                ["serve", "--no-api", "--poll-interval", "20"],
                environment: ["DATABASE_URL": test.url]
            )
            let errors = Task { await server.readErrors() }
            try await test.withConnection { writer in
                // A steady burst: many small transactions while the server projects them.
                for index in 0..<400 {
                    try await writer.query(
                        "INSERT INTO events (type, aggregate_type, aggregate_id, payload) SELECT 'test.burst', 't', g::text, '{}' FROM generate_series(1, 10) g",
                        logger: test.logger
                    )
                    if index == 200 {
                        try await eventually("the server has projected something") {
                            try await test.scalar(
                                "SELECT position > 0 FROM projector_checkpoints WHERE name = 'event_statistics'",
                                as: Bool.self)
                        }
                        server.signal(SIGTERM)
                    }
                }
            }
            try await server.waitForExit(timeout: .seconds(20))
            let log = await errors.value
            #expect(server.process.terminationStatus == 0, "erp serve log:\n\(log)")
            #expect(log.contains("event pipeline stopped"))

            // What the statistics hold is exactly the events up to the checkpoint.
            let consistent = try await test.scalar(
                """
                SELECT (SELECT COALESCE(sum(event_count), 0) FROM event_type_statistics)
                     = (SELECT count(*) FROM events e, projector_checkpoints c
                         WHERE c.name = 'event_statistics' AND (e.tx, e.position) <= (c.tx, c.position))
                """,
                as: Bool.self
            )
            #expect(consistent)
            let leftover = try await test.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'erp-%' AND application_name <> 'erp-tests'",
                as: Int.self
            )
            #expect(leftover == 0)
            _ = errors
        }
    }

    @Test func noSecretReachesTheLogAtAnyLevel() async throws {
        try await TestDatabase.withDatabase { test in
            // The test cluster trusts local connections, so a password in the URL is carried, not checked.
            let url = test.url.replacingOccurrences(
                of: "://\(test.configuration.username)@", with: "://\(test.configuration.username):db-pass-4f2a9c@")
            let server = try await ServeProcess.start(
                test, ["--log-level", "trace"],
                environment: [
                    "DATABASE_URL": url, "ERP_WEBHOOK_URLS": "http://127.0.0.1:9/hooks",
                    "ERP_WEBHOOK_SECRET": "hook-secret-8d1e77b0c3",
                ])
            defer { server.kill() }
            try await eventually("the pipeline runs") {
                try await test.scalar(
                    "SELECT count(*) = \(Modules.list().projectors().count) FROM projector_checkpoints", as: Bool.self)
            }
            // Sign in, use the token, fail a sign-in, refresh: none of it may be logged.
            let token = try await server.accessToken()
            #expect(try await server.request(.GET, "/api/v1/products")?.status == 200)
            let wrong = #"{"email":"admin@shop.test","password":"wrong-pass-91x7"}"#
            #expect(
                try await server.request(.POST, "/api/v1/auth/login", body: wrong, authenticated: false)?.status == 401)
            let login = #"{"email":"\#(LiveAPI.adminEmail)","password":"\#(LiveAPI.adminPassword)"}"#
            let answer = try #require(
                try await server.request(.POST, "/api/v1/auth/login", body: login, authenticated: false))
            let refresh = try #require(
                (try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["refreshToken"]
                    as? String)
            let refreshed = try await server.request(
                .POST, "/api/v1/auth/refresh", body: #"{"refreshToken":"\#(refresh)"}"#, authenticated: false)
            #expect(refreshed?.status == 200)
            #expect(try await server.stop() == 0)
            let log = server.logText
            #expect(log.contains("sl-service"), "trace level shows the service descriptions")
            for secret in [
                "db-pass-4f2a9c", "hook-secret-8d1e77b0c3", LiveAPI.tokenKey, LiveAPI.adminPassword, "wrong-pass-91x7",
                token, String(token.split(separator: ".").last ?? ""), refresh,
            ] {
                #expect(!log.contains(secret), "the log shows \(secret.prefix(12))…")
            }
        }
    }

    @Test func serveRefusesToStartWithoutATokenKeyAndSaysHowToMakeOne() async throws {
        try await TestDatabase.withDatabase { test in
            let result = try await ERPProcess.run(["serve", "--port", "0"], environment: ["DATABASE_URL": test.url])
            #expect(result.status != 0)
            #expect(result.errors.contains("ERP_JWT_KEY"))
            #expect(result.errors.contains("--dev-insecure-key"))
            let short = try await ERPProcess.run(
                ["serve", "--port", "0"], environment: ["DATABASE_URL": test.url, "ERP_JWT_KEY": "too-short"])
            #expect(short.status != 0)
            #expect(short.errors.contains("at least 32"))
        }
    }

    @Test func aFirstStartWithNoUsersSaysHowToCreateTheAdministrator() async throws {
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(
                test, ["--no-jobs", "--dev-insecure-key"],
                environment: ["ERP_JWT_KEY": "", "ERP_ADMIN_EMAIL": "", "ERP_ADMIN_PASSWORD": ""])
            defer { server.kill() }
            try await eventually("the hint is logged") { server.logText.contains("no users yet") }
            #expect(server.logText.contains("erp users create-admin --email"))
            #expect(server.logText.contains("--dev-insecure-key"))
            #expect(try await test.scalar("SELECT count(*)::int FROM users", as: Int.self) == 0)
            #expect(try await server.stop() == 0)
        }
    }

    @Test func aMalformedDatabaseURLIsOneClearLine() async throws {
        let result = try await ERPProcess.run(["migrate"], environment: ["DATABASE_URL": "mysql://nobody@somewhere/db"])
        #expect(result.status != 0)
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.errors.contains("postgres://"))
    }

    @Test func anUnreachableDatabaseIsOneClearLine() async throws {
        for command in [["migrate"], ["projections", "status"]] {
            let result = try await ERPProcess.run(
                command, environment: ["DATABASE_URL": "postgres://erp@127.0.0.1:1/erp"])
            #expect(result.status != 0)
            #expect(result.errors.split(separator: "\n").count == 1, "\(result.errors)")
            #expect(result.errors.contains("cannot connect to PostgreSQL at 127.0.0.1:1"))
        }
    }

    @Test func statusAndResumeFromTheCommandLine() async throws {
        try await TestDatabase.withDatabase { test in
            let environment = ["DATABASE_URL": test.url]
            try await test.execute(
                "INSERT INTO events (type, aggregate_type, aggregate_id, payload) VALUES ('test.happened', 't', '1', '{}')"
            )
            let status = try await ERPProcess.run(["projections", "status", "--json"], environment: environment)
            #expect(status.status == 0, "\(status.errors)")
            struct Row: Decodable { var name: String; var lagEvents: Int; var state: String }
            let rows = try JSONDecoder().decode([Row].self, from: Data(status.output.utf8))
            #expect(rows.map(\.name).contains("event_statistics"))
            #expect(rows.first { $0.name == "event_statistics" }?.lagEvents == 1)

            let unknown = try await ERPProcess.run(["projections", "resume", "nope"], environment: environment)
            #expect(unknown.status != 0)
            #expect(unknown.errors.contains("known projectors: event_statistics"))

            let migrate = try await ERPProcess.run(["migrate"], environment: environment)
            #expect(migrate.status == 0)
            #expect(migrate.output.contains("schema is current"))
        }
    }
}
