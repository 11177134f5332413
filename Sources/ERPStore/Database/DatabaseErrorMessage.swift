// One readable line for an error that came from the database or the way to it.
import NIOCore
public import PostgresNIO

/// Describes `error` in one line for logs and CLI output.
///
/// `PSQLError`'s own description hides everything to avoid leaking data; this keeps
/// the server's message, SQLSTATE, detail and hint, and names connection failures.
///
/// - Parameters:
///   - error: Any error thrown while talking to PostgreSQL.
///   - configuration: When given, connection failures name the server they tried.
/// - Returns: One line, without a trailing newline.
public func databaseErrorMessage(_ error: any Error, configuration: DatabaseConfiguration? = nil) -> String {
    let server = configuration.map { " at \($0.host):\($0.port)" } ?? ""
    guard let error = error as? PSQLError else {
        if let ioError = error as? IOError {
            return "cannot reach PostgreSQL\(server): \(ioError.description)"
        }
        return "\(error)"
    }
    switch error.code {
    case .server:
        var line = error.serverInfo?[.message] ?? "the server reported an error"
        if let state = error.serverInfo?[.sqlState] { line += " (SQLSTATE \(state))" }
        if let detail = error.serverInfo?[.detail] { line += ": \(detail)" }
        if let hint = error.serverInfo?[.hint] { line += " Hint: \(hint)" }
        return line
    case .connectionError:
        let cause = error.underlying.map { ": \($0)" } ?? ""
        return "cannot connect to PostgreSQL\(server)\(cause)"
    case .serverClosedConnection, .uncleanShutdown:
        return "PostgreSQL\(server) closed the connection"
    case .clientClosedConnection, .poolClosed:
        return "the connection to PostgreSQL was closed while in use"
    case .sslUnsupported:
        return "PostgreSQL\(server) does not support TLS but sslmode=require was asked for"
    case .authMechanismRequiresPassword:
        return "PostgreSQL\(server) asks for a password and DATABASE_URL has none"
    default:
        return "PostgreSQL error\(server): \(error.code)"
    }
}

extension PSQLError {
    /// The server's SQLSTATE, when the server refused a statement (`.uniqueViolation`, …).
    public var sqlState: PostgresError.Code? {
        guard code == .server, let state = serverInfo?[.sqlState] else { return nil }
        return PostgresError.Code(raw: state)
    }

    /// Whether the error came from the connection rather than from a statement the
    /// server refused: the work can be retried on a new connection.
    public var isConnectionFailure: Bool {
        switch code {
        case .server:
            // 57P: the server is shutting down or terminated this backend; 08: connection exception.
            let state = serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        default:
            return false
        }
    }
}
