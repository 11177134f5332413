// Dedicated connections to the ERPCore database.
public import Logging
public import PostgresNIO
import Synchronization

/// The ERPCore database: its configuration and a way to open dedicated connections.
///
/// Long-lived components (the listener, each projector runner, CLI commands) own one
/// connection each; request handlers share the pooled `PostgresClient` instead.
public struct Database: Sendable {
    private static let nextConnectionID = Atomic<Int>(1)

    /// Where the database is.
    public let configuration: DatabaseConfiguration
    /// The logger connections log into.
    public let logger: Logger

    /// Creates a handle; nothing connects until ``connect(as:)``.
    public init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens a new connection that belongs to the caller alone.
    ///
    /// - Parameter applicationName: Shown in `pg_stat_activity` as `application_name`.
    /// - Throws: When the server cannot be reached or refuses the login.
    public func connect(as applicationName: String) async throws -> PostgresConnection {
        let id = Self.nextConnectionID.add(1, ordering: .relaxed).oldValue
        return try await PostgresConnection.connect(
            configuration: configuration.connectionConfiguration(applicationName: applicationName),
            id: id,
            logger: logger
        )
    }

    /// Runs `body` on a new connection and closes it afterwards, whether `body` throws or not.
    ///
    /// `body` runs through ``PostgresNIO/PostgresConnection/untilClosed(_:)``: when the
    /// connection closes under it, it ends with ``ConnectionClosed`` instead of waiting for ever.
    ///
    /// - Parameters:
    ///   - applicationName: Shown in `pg_stat_activity`.
    ///   - body: The work to do on the connection.
    /// - Throws: What connecting or `body` throws.
    public func withConnection<Result: Sendable>(
        as applicationName: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(as: applicationName)
        do {
            let result = try await connection.untilClosed(body)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// The connection closed (the server or the network ended it) before the work on it finished.
public struct ConnectionClosed: Error, CustomStringConvertible {
    /// Creates the error.
    public init() {}

    /// What went wrong, for people.
    public var description: String { "the database connection was closed" }
}
