// Statements prepared once per connection: planned once, with their parameters' types, and
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

    @Test func aStatementIsPreparedOncePerConnectionWithItsParametersTypes() async throws {
        try await TestDatabase.withDatabase { test in
            try await test.withConnection { connection in
                for value in [Int64(2), 40, 41] {
                    let sum = try await connection.preparedValue(
                        "SELECT \(value) + 1", as: Int64.self, logger: test.logger)
                    #expect(sum == value + 1)
                }
                #expect(try await Self.prepared(on: connection) == ["SELECT $1 + 1"])

                // A NULL is declared with its optional's type, so NULL first and a bigint
                // after share one statement (inferred, COALESCE($1, 0) would be integer).
                for value in [nil, Int64(5_000_000_000)] {
                    #expect(
                        try await connection.preparedValue(
                            "SELECT COALESCE(\(value), 0)", as: Int64.self, logger: test.logger) == value ?? 0)
                }
                #expect(try await Self.prepared(on: connection).count == 2)

                // Declared types: text cast to jsonb, and a bigint into an integer column.
                // Left to the server, the first would be read as binary jsonb and the
                // second as a 4-byte integer.
                let json = #"{"a": "b"}"#
                #expect(
                    try await connection.preparedValue(
                        "SELECT \(json)::jsonb ->> 'a'", as: String.self, logger: test.logger) == "b")
                try await connection.execute("CREATE TEMP TABLE numbers (n integer)", logger: test.logger)
                try await connection.preparedExecute(
                    "INSERT INTO numbers (n) VALUES (\(Int64(7)))", logger: test.logger)
                #expect(
                    try await connection.preparedValue(
                        "SELECT n::bigint FROM numbers WHERE n = \(Int64(7))", as: Int64.self, logger: test.logger)
                        == 7)
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

    @Test func aStatementSentInAnAbortedTransactionClosesItsConnectionRatherThanStayFailed() async throws {
        try await TestDatabase.withDatabase { test in
            let client = PostgresClient(configuration: test.configuration.clientConfiguration(maximumConnections: 1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                let closed = try await client.withConnection { connection in
                    try await connection.execute("BEGIN", logger: test.logger)
                    await #expect(throws: PSQLError.self) {
                        try await connection.execute("SELECT 1 / 0", logger: test.logger)
                    }
                    // Its first use on this connection, in an aborted transaction: it fails
                    // to prepare, and PostgresNIO would hold it as failed from now on.
                    await #expect(throws: PSQLError.self) {
                        try await connection.preparedValue(
                            "SELECT \(Int64(3)) * 2", as: Int64.self, logger: test.logger)
                    }
                    return connection.isClosed
                }
                #expect(closed)
                // The pool's next connection prepares it afresh.
                try await eventually(timeout: .seconds(30), "the statement on a new connection") {
                    let product = try? await client.withConnection { connection in
                        try await connection.preparedValue(
                            "SELECT \(Int64(3)) * 2", as: Int64.self, logger: test.logger)
                    }
                    return product == 6
                }
            }
        }
    }
}
