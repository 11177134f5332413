// The first start of a server with no users: say how to create the administrator, or
// create one from the environment.
import ERPHTTP
import ERPStore
public import Logging
public import PostgresNIO

/// What `erp serve` does when the user table is empty.
public enum FirstAdministrator {
    /// With no users: creates an administrator from `email` and `password` when both are
    /// given (`ERP_ADMIN_EMAIL`, `ERP_ADMIN_PASSWORD`), otherwise logs how to create one.
    /// With users, does nothing (the variables are ignored).
    ///
    /// - Throws: ``CommandError`` when the given email or password break the rules.
    public static func ensure(
        email: String?, password: String?, passwords: Passwords = Passwords(), on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let users = try await connection.value("SELECT count(*)::int FROM users", as: Int.self, logger: logger) ?? 0
        guard users == 0 else { return }
        guard let email, let password, !email.isEmpty, !password.isEmpty else {
            logger.notice(
                """
                no users yet: create the administrator with `erp users create-admin --email you@example.in` \
                (or `make admin EMAIL=you@example.in`), or set ERP_ADMIN_EMAIL and ERP_ADMIN_PASSWORD before starting
                """)
            return
        }
        let user = NewUser(
            email: email, name: String(email.split(separator: "@").first ?? Substring(email)), password: password,
            roles: [.admin])
        let id = try await connection.inTransaction(logger: logger) { transaction in
            let context = CommandContext(actor: "system:first-start", requestID: "first-start", logger: logger)
            try await context.apply(to: transaction)
            return try await UserCommands.create(user, passwords: passwords, on: transaction, context: context)
        }
        logger.notice(
            "administrator created from ERP_ADMIN_EMAIL",
            metadata: ["email": "\(user.normalizedEmail)", "user": "\(id)"])
    }
}
