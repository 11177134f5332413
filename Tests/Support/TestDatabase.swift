// One database per test, cloned from a template migrated once per test run.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
public import ERPStore
import Foundation
import Inventory
public import Logging
import MasterData
import Notifications
public import PostgresNIO
import Purchasing
import Synchronization

/// A database of its own for one test, dropped when the test ends.
public struct TestDatabase: Sendable {
    /// The test's own database.
    public let database: Database
    /// Where the test database is.
    public var configuration: DatabaseConfiguration { database.configuration }
    /// The test's logger, naming its database.
    public var logger: Logger { database.logger }
    /// The database's URL, for an `erp` child process's DATABASE_URL.
    public var url: String {
        "postgres://\(configuration.username)@\(configuration.host):\(configuration.port)/\(configuration.database)"
    }

    /// The server `make test` started, from DATABASE_URL.
    public static func serverConfiguration() throws -> DatabaseConfiguration {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw SetupError("DATABASE_URL is not set: run the tests with `make test`, which provisions PostgreSQL")
        }
        return try DatabaseConfiguration(url: url)
    }

    /// The tests' logger: silent unless TEST_LOG_LEVEL says otherwise.
    public static let logger: Logger = {
        var logger = Logger(label: "erp.tests") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel =
            ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// Whether this task (or the task it is a child of) holds one of ``TestSlots``.
    @TaskLocal static var holdsSlot = false

    /// Runs `body` with a fresh database: migrated (the default) or empty.
    ///
    /// At most ``TestSlots/width`` test bodies run at once; the others wait their turn
    /// here. A body that opens a second database inside itself keeps its one slot.
    public static func withDatabase<Result: Sendable>(
        migrated: Bool = true,
        _ body: (TestDatabase) async throws -> Result
    ) async throws -> Result {
        if holdsSlot { return try await withOwnDatabase(migrated: migrated, body) }
        await TestSlots.shared.acquire()
        do {
            let result = try await $holdsSlot.withValue(true) { try await withOwnDatabase(migrated: migrated, body) }
            await TestSlots.shared.release()
            return result
        } catch {
            await TestSlots.shared.release()
            throw error
        }
    }

    private static func withOwnDatabase<Result: Sendable>(
        migrated: Bool, _ body: (TestDatabase) async throws -> Result
    ) async throws -> Result {
        let server = try serverConfiguration()
        let template = migrated ? try await TemplateDatabase.shared.name() : "template0"
        let name = "erp_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await admin(server) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"), logger: logger)
        }
        var testLogger = logger
        testLogger[metadataKey: "database"] = "\(name)"
        let test = TestDatabase(database: Database(configuration: server.with(database: name), logger: testLogger))
        do {
            let result = try await body(test)
            try await drop(name, server: server)
            return result
        } catch {
            // ERP_TEST_KEEP_FAILED=1 keeps a failed test's database for a look with psql.
            if ProcessInfo.processInfo.environment["ERP_TEST_KEEP_FAILED"] == "1" {
                logger.error("kept the database of a failed test", metadata: ["database": "\(name)"])
            } else {
                try? await drop(name, server: server)
            }
            throw error
        }
    }

    private static func drop(_ name: String, server: DatabaseConfiguration) async throws {
        try await admin(server) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` on a connection to the server's maintenance database.
    public static func admin(_ server: DatabaseConfiguration, _ body: (PostgresConnection) async throws -> Void)
        async throws
    {
        try await Self.connected(Database(configuration: server, logger: logger), as: "erp-tests-admin", body)
    }

    /// Runs `body` on a new connection to this test's database.
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws
        -> Result
    {
        try await Self.connected(database, as: "erp-tests", body)
    }

    /// Runs `body` on a new connection and closes it however `body` ends. Unlike
    /// `Database.withConnection`, `body` need not be `@Sendable`: a test's helper reads
    /// and writes its test's state freely, and its server is never terminated under it.
    private static func connected<Result: Sendable>(
        _ database: Database, as name: String, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await database.connect(as: name)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs each statement of `script` in order.
    public func execute(_ script: String) async throws {
        try await withConnection { connection in
            for statement in SQLScript.statements(in: script) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// The single value of the first column of the first row.
    public func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type = Value.self)
        async throws -> Value
    {
        try await withConnection { connection in
            let rows = try await connection.query(query, logger: logger)
            for try await value in rows.decode(Value.self) { return value }
            throw SetupError("no rows for \(query.sql)")
        }
    }
}

/// How many tests hold a database at once: `ERP_TEST_WIDTH` (`make test` sets it from
/// TEST_WIDTH), 12 when unset. On a 2-core machine every test at once would make each as
/// slow as the whole suite, and their waits would time out.
///
/// Swift Testing's own limit (`SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH`) counts a
/// running suite as one of its slots as well as each test in it: once the suites and
/// tests under way fill every slot, no test can start its test case, and the run hangs
/// with nothing running (seen with six suites and six tests at width 12).
public actor TestSlots {
    /// The one limit of this test process.
    public static let shared = TestSlots(
        width: ProcessInfo.processInfo.environment["ERP_TEST_WIDTH"].flatMap(Int.init).map { max(1, $0) } ?? 12)

    /// Test bodies that may run at once.
    public let width: Int
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) {
        self.width = width
        self.free = width
    }

    /// Takes a slot, waiting in turn for one to be released when none is free.
    public func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Gives a slot back, to the longest waiting test first.
    public func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// The migrated database every test database is cloned from; created once per run.
public actor TemplateDatabase {
    /// The one template of this test run.
    public static let shared = TemplateDatabase()
    private var creation: Task<String, any Error>?

    /// The template's name, creating and migrating it on first use.
    public func name() async throws -> String {
        if let creation { return try await creation.value }
        let task = Task<String, any Error> {
            let server = try TestDatabase.serverConfiguration()
            let name = "erp_template_\(ProcessInfo.processInfo.processIdentifier)"
            try await TestDatabase.admin(server) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"),
                    logger: TestDatabase.logger)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0"), logger: TestDatabase.logger)
            }
            let database = Database(configuration: server.with(database: name), logger: TestDatabase.logger)
            _ = try await database.withConnection(as: "erp-tests-template") { connection in
                try await Migrator(logger: TestDatabase.logger).migrate(on: connection)
            }
            return name
        }
        creation = task
        return try await task.value
    }
}

/// A test could not set up what it needs.
public struct SetupError: Error, CustomStringConvertible {
    /// What went wrong, for people.
    public var description: String
    /// Creates a value with the given fields.
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(
    timeout: Duration = .seconds(60), _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw SetupError("timed out waiting for: \(what)")
}
