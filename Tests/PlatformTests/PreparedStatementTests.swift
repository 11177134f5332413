// Statements prepared once per connection: planned once, one per pattern of NULLs, and
// prepared again on the connection that replaces a terminated one.
import ERPStore
import ERPTestSupport
import PostgresNIO
import Testing

@Suite struct PreparedStatementTests {
    static func prepared(on connection: PostgresConnection) async throws -> [String] {
        try await connection.rows(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'erp\\_%' ORDER BY statement",
            as: String.self, logger: .init(label: "test"))
    }

    @Test func aStatementIsPreparedOncePerConnectionAndEachPatternOfNullsOnItsOwn() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                for value in [Int64(2), 40, 41] {
                    let sum = try await connection.preparedValue(
                        "SELECT \(value) + 1", as: Int64.self, logger: test.logger)
                    #expect(sum == value + 1)
                }
                #expect(try await Self.prepared(on: connection) == ["SELECT $1 + 1"])

                // NULL first: the server infers integer for COALESCE($1, 0); a bigint value
                // bound to that statement would not fit, so it is another statement.
                let none: Int64? = nil
                #expect(
                    try await connection.preparedValue(
                        "SELECT COALESCE(\(none), 0)::bigint", as: Int64.self, logger: test.logger) == 0)
                let some: Int64? = 5_000_000_000
                #expect(
                    try await connection.preparedValue(
                        "SELECT COALESCE(\(some), 0)::bigint", as: Int64.self, logger: test.logger)
                        == 5_000_000_000)
                #expect(try await Self.prepared(on: connection).count == 3)
            }
        }
    }

    @Test func aPreparedStatementRunsAgainOnTheConnectionThatReplacesATerminatedOne() async throws {
        try await TestDatabase.withDatabase { test in
            let client = PostgresClient(configuration: test.configuration.clientConfiguration(maximumConnections: 1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let first = try await client.withConnection { connection in
                    #expect(
                        try await connection.preparedValue(
                            "SELECT \(Int64(1)) + 1", as: Int64.self, logger: test.logger)
                            == 2)
                    return try await connection.value("SELECT pg_backend_pid()", as: Int32.self, logger: test.logger)
                }
                try await test.execute("SELECT pg_terminate_backend(\(try #require(first)))")
                // The pool notices the closed connection and opens another, which prepares anew.
                try await eventually(timeout: .seconds(30), "a prepared statement on a new connection") {
                    let sum = try? await client.withConnection { connection in
                        try await connection.preparedValue(
                            "SELECT \(Int64(2)) + 1", as: Int64.self, logger: test.logger)
                    }
                    return sum == 3
                }
            }
        }
    }
}
