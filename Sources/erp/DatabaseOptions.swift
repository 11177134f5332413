// Options every command that talks to the database shares.
import ArgumentParser
import ERPJobs
import ERPStore
import Foundation
import Logging
import PostgresNIO

struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL; defaults to $DATABASE_URL, then to the URL `make run` left in .erp-data/database-url of the current folder.",
            valueName: "url"
        )
    )
    var databaseURL: String?

    /// Where `make run` and `make db-start` leave their cluster's URL, from the project folder.
    static let urlFile = ".erp-data/database-url"

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The database named by --database-url, DATABASE_URL or the file `make run` leaves.
    func database(label: String) throws -> Database {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? Self.urlFromMakeRun()
        else {
            throw CommandFailure(
                "DATABASE_URL is not set (or pass --database-url postgres://user@host/database, or start `make run` in this folder)"
            )
        }
        do {
            return Database(configuration: try DatabaseConfiguration(url: url), logger: logger(label: label))
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// Runs `body` on one connection to the database, for an operator command: any
    /// failure (connecting, or `body`'s) becomes one line on standard error and exit 1.
    func withConnection<Result: Sendable>(
        label: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let database = try database(label: label)
        return try await reportingFailure(database) {
            try await database.withConnection(as: "erp-cli") { try await body($0, database.logger) }
        }
    }

    /// The URL in ``urlFile``, when the current folder has one.
    static func urlFromMakeRun() -> String? {
        guard let data = FileManager.default.contents(atPath: urlFile) else { return nil }
        let url = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }

    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0, metadataProvider: .runningJob) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}
