// Where the database is, read from a postgres:// URL such as DATABASE_URL.
import Foundation
import NIOCore
import NIOSSL
public import PostgresNIO

/// Connection settings for the ERPCore database, parsed from a `postgres://` URL.
public struct DatabaseConfiguration: Sendable {
    /// How TLS is used, from the URL's `sslmode` parameter.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The role to connect as.
    public var username: String
    /// The role's password, if it has one.
    public var password: String?
    /// The database name.
    public var database: String
    /// Whether and how to use TLS (`sslmode`).
    public var tlsMode: TLSMode

    /// Parses a URL of the form `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
    ///
    /// - Parameter url: The URL, usually the `DATABASE_URL` environment variable.
    /// - Throws: ``DatabaseURLError`` naming what is wrong with the URL.
    public init(url: String) throws(DatabaseURLError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw DatabaseURLError("it is empty") }
        guard let components = URLComponents(string: trimmed) else {
            throw DatabaseURLError("it is not a URL")
        }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw DatabaseURLError("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError("it names no host")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw DatabaseURLError("port \(port) is out of range")
        }
        guard let user = components.user, !user.isEmpty else {
            throw DatabaseURLError("it names no user (postgres://USER@host/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw DatabaseURLError("it names no database (postgres://user@host/DATABASE)")
        }
        var tlsMode: TLSMode = ["localhost", "127.0.0.1", "::1"].contains(host) ? .disable : .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw DatabaseURLError("sslmode must be disable, prefer or require")
                }
                tlsMode = mode
            case "application_name", "connect_timeout":
                continue
            default:
                throw DatabaseURLError("unknown parameter '\(item.name)'")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.percentEncodedUser?.removingPercentEncoding ?? user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.tlsMode = tlsMode
    }

    /// The same server, another database on it.
    public func with(database: String) -> DatabaseConfiguration {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL with its password, for tools that take one (pgbench, psql).
    public var url: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if tlsMode != .prefer { components.queryItems = [URLQueryItem(name: "sslmode", value: tlsMode.rawValue)] }
        return components.string ?? redactedURL
    }

    /// The URL without its password, for logs and messages.
    public var redactedURL: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }

    /// Settings for the pooled client that serves HTTP requests.
    public func clientConfiguration(maximumConnections: Int = 20) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: clientTLS
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "erp-api")]
        return configuration
    }

    /// Settings for one dedicated connection (listener, projector, CLI).
    ///
    /// - Parameter applicationName: Shown in `pg_stat_activity`, so an operator can tell connections apart.
    /// - Throws: When the TLS context cannot be created.
    public func connectionConfiguration(applicationName: String) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: try connectionTLS()
        )
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tlsMode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    private func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch tlsMode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}

/// A database URL that cannot be used, with the reason.
public struct DatabaseURLError: Error, CustomStringConvertible {
    /// What is wrong with the URL.
    public var reason: String

    init(_ reason: String) { self.reason = reason }

    /// What went wrong, for people.
    public var description: String { "DATABASE_URL is not usable: \(reason)" }
}

// However it is printed (a log line describing a service, `dump`, a debugger), the
// configuration never shows its password.
extension DatabaseConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What went wrong, for people.
    public var description: String { redactedURL + (password == nil ? "" : " (password set)") }
    /// The same as the description: nothing secret.
    public var debugDescription: String { description }
    /// Hides the secret from dumps.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["url": redactedURL, "passwordSet": password != nil, "tlsMode": tlsMode],
            displayStyle: .struct)
    }
}
