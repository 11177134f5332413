// `erp users`: the first administrator and the user commands, through the real binary.
import ERPApp
import ERPEvents
import ERPStore
import ERPTestSupport
import Foundation
import HummingbirdBcrypt
import PostgresNIO
import Testing
import Users

@Suite struct UserCommandTests {
    static let password = "correct horse battery staple"

    static func users(_ test: TestDatabase, _ arguments: [String], input: String? = nil) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        try await ERPProcess.run(["users"] + arguments, environment: ["DATABASE_URL": test.url], input: input)
    }

    @Test func createAdminStoresABcryptHashAndRecordsTheUserWithoutIt() async throws {
        try await TestDatabase.withDatabase { test in
            let created = try await Self.users(
                test, ["create-admin", "--email", " Asha@Example.IN ", "--password-stdin"], input: Self.password + "\n")
            #expect(created.status == 0, "\(created.errors)")
            #expect(created.output.contains("administrator asha@example.in created"))
            let stored = try await test.scalar(
                "SELECT email || ' ' || name || ' ' || active || ' ' || password_hash FROM users", as: String.self)
            let parts = stored.split(separator: " ")
            #expect(parts.prefix(3).joined(separator: " ") == "asha@example.in Asha true")
            let hash = String(parts[3])
            #expect(hash.hasPrefix("$2b$12$"))
            #expect(Bcrypt.verify(Self.password, hash: hash))
            #expect(!Bcrypt.verify(Self.password + "!", hash: hash))
            #expect(try await test.scalar("SELECT string_agg(role, ',') FROM user_roles", as: String.self) == "admin")
            let event = try await test.scalar(
                "SELECT type || ' ' || (metadata ->> 'actor') || ' ' || payload::text FROM events", as: String.self)
            #expect(event.hasPrefix("user.created cli:"))
            #expect(!event.contains("$2"), "the event carries no hash: \(event)")
        }
    }

    @Test func theSamePasswordNeverHashesAlike() async throws {
        try await TestDatabase.withDatabase { test in
            for email in ["a@example.in", "b@example.in"] {
                let created = try await Self.users(
                    test, ["create-admin", "--email", email, "--password-stdin"], input: Self.password)
                #expect(created.status == 0, "\(created.errors)")
            }
            #expect(try await test.scalar("SELECT count(DISTINCT password_hash) FROM users", as: Int64.self) == 2)
        }
    }

    @Test func refusalsNameTheirCauseAndWriteNothing() async throws {
        try await TestDatabase.withDatabase { test in
            _ = try await Self.users(
                test, ["create-admin", "--email", "asha@example.in", "--password-stdin"], input: Self.password)
            let cases: [([String], String?, String)] = [
                (["create-admin", "--email", "ASHA@example.in", "--password-stdin"], Self.password, "already in use"),
                (
                    ["create-admin", "--email", "b@example.in", "--password-stdin"], "too short",
                    "at least 12 characters"
                ),
                (["create-admin", "--email", "not-an-email", "--password-stdin"], Self.password, "email"),
                (["create-admin", "--email", "c@example.in", "--password-stdin"], "", "no password line"),
                // No terminal and no --password-stdin: there is no default password.
                (["create-admin", "--email", "d@example.in"], nil, "run this in a terminal, or pass --password-stdin"),
                (["deactivate", "--email", "nobody@example.in"], nil, "there is no user nobody@example.in"),
            ]
            for (arguments, input, message) in cases {
                let refused = try await Self.users(test, arguments, input: input)
                #expect(refused.status == 1, "\(arguments)")
                #expect(
                    refused.errors.hasPrefix("erp: ") && refused.errors.contains(message),
                    "\(arguments): \(refused.errors)")
            }
            #expect(try await test.scalar("SELECT count(*) FROM users", as: Int64.self) == 1)
            #expect(try await test.scalar("SELECT count(*) FROM events", as: Int64.self) == 1)
        }
    }

    @Test func deactivateAndResetPasswordAreEventsAndListShowsThem() async throws {
        try await TestDatabase.withDatabase { test in
            _ = try await Self.users(
                test, ["create-admin", "--email", "asha@example.in", "--password-stdin"], input: Self.password)
            #expect(try await Self.users(test, ["deactivate", "--email", "Asha@example.in"]).status == 0)
            #expect(try await Self.users(test, ["deactivate", "--email", "asha@example.in"]).status == 0)
            let reset = try await Self.users(
                test, ["reset-password", "--email", "asha@example.in", "--password-stdin"], input: "a new long password"
            )
            #expect(reset.status == 0, "\(reset.errors)")
            let hash = try await test.scalar("SELECT password_hash FROM users", as: String.self)
            #expect(Bcrypt.verify("a new long password", hash: hash))
            #expect(!Bcrypt.verify(Self.password, hash: hash))
            // Deactivating twice is one change.
            #expect(
                try await test.scalar("SELECT string_agg(type, ',' ORDER BY position) FROM events", as: String.self)
                    == "user.created,user.updated,user.password_changed")
            let list = try await Self.users(test, ["list"])
            #expect(
                list.output.contains("asha@example.in") && list.output.contains("admin") && list.output.contains("no"))
        }
    }

    @Test func anEmptyListSaysHowToCreateTheFirstAdministrator() async throws {
        try await TestDatabase.withDatabase { test in
            let list = try await Self.users(test, ["list"])
            #expect(list.output.contains("erp users create-admin --email"))
        }
    }
}
