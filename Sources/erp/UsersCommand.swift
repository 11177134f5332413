// `erp users`: the first administrator, and managing users from the shell.
import ArgumentParser
import CommandSupport
import ERPHTTP
import ERPStore
import Foundation
import Users

#if canImport(Glibc)
    import Glibc
#endif

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Create the first administrator, list users, deactivate them, set new passwords.",
        discussion: """
            There is no default user and no default password. Passwords are read from the terminal \
            without echo (typed twice), or from standard input with --password-stdin (the first \
            line); they are at least 12 characters and are kept only as bcrypt hashes \
            (--bcrypt-cost, default 12). Every change is an event (user.created, user.updated, \
            user.password_changed) whose actor is `cli:<OS user>`.
            """,
        subcommands: [CreateAdmin.self, List.self, Deactivate.self, ResetPassword.self]
    )

    /// Options every subcommand that sets a password takes.
    struct PasswordOptions: ParsableArguments {
        @Flag(help: "Read the password from the first line of standard input instead of the terminal.")
        var passwordStdin = false

        @Option(help: ArgumentHelp("bcrypt cost: log2 of its rounds (10…16).", valueName: "n"))
        var bcryptCost: UInt8 = Passwords.defaultCost

        func validate() throws {
            guard (10...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 10…16") }
        }

        /// The password, from standard input or typed twice at the terminal.
        func password() throws -> String {
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CommandFailure("--password-stdin: standard input has no password line")
                }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandFailure("no password: run this in a terminal, or pass --password-stdin")
            }
            let first = try Self.prompt("Password (at least \(UserRules.minimumPasswordLength) characters): ")
            let second = try Self.prompt("Again: ")
            guard first == second else { throw CommandFailure("the two passwords differ; nothing was changed") }
            return first
        }

        /// Reads a line from the terminal with echo off.
        private static func prompt(_ text: String) throws -> String {
            FileHandle.standardError.write(Data(text.utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true) else { throw CommandFailure("no password was typed") }
            return line
        }
    }

    /// The actor of a change made from the shell.
    static var actor: String { "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")" }

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-admin", abstract: "Create a user with the admin role.")

        @OptionGroup var options: DatabaseOptions
        @OptionGroup var passwordOptions: PasswordOptions

        @Option(help: "The administrator's email: the name to sign in with.")
        var email: String

        @Option(help: "The name people know them by (default: the email's part before @).")
        var name: String?

        func run() async throws {
            let password = try await reportingFailure { try passwordOptions.password() }
            let user = NewUser(
                email: email, name: name ?? String(email.split(separator: "@").first ?? Substring(email)),
                password: password, roles: [.admin])
            let passwords = Passwords(cost: passwordOptions.bcryptCost)
            let id = try await options.withConnection(label: "erp.users") { connection, logger in
                try await connection.inTransaction(logger: logger) { transaction in
                    let context = CommandContext(actor: UsersCommand.actor, requestID: "cli", logger: logger)
                    _ = try await context.apply(to: transaction)
                    return try await UserCommands.create(user, passwords: passwords, on: transaction, context: context)
                }
            }
            print("administrator \(user.normalizedEmail) created (user \(id))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every user: email, name, roles, active.")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let users = try await options.withConnection(label: "erp.users") { connection, logger in
                try await UserCommands.list(on: connection, logger: logger)
            }
            var table = TextTable(columns: ["ID", "EMAIL", "NAME", "ROLES", "ACTIVE"])
            for user in users {
                table.add([
                    "\(user.id)", user.email, user.name, user.roles.joined(separator: ","), user.active ? "yes" : "no",
                ])
            }
            print(
                users.isEmpty ? "no users yet: create one with `erp users create-admin --email E`" : table.rendered,
                terminator: users.isEmpty ? "\n" : "")
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from signing in.")

        @OptionGroup var options: DatabaseOptions

        @Option(help: "The user's email.")
        var email: String

        func run() async throws {
            try await options.withConnection(label: "erp.users") { connection, logger in
                try await connection.inTransaction(logger: logger) { transaction in
                    let context = CommandContext(actor: UsersCommand.actor, requestID: "cli", logger: logger)
                    _ = try await context.apply(to: transaction)
                    try await UserCommands.deactivate(email: email, on: transaction, context: context)
                }
            }
            print("\(UserRules.normalized(email)) is deactivated")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Give a user a new password.")

        @OptionGroup var options: DatabaseOptions
        @OptionGroup var passwordOptions: PasswordOptions

        @Option(help: "The user's email.")
        var email: String

        func run() async throws {
            let password = try await reportingFailure { try passwordOptions.password() }
            let passwords = Passwords(cost: passwordOptions.bcryptCost)
            try await options.withConnection(label: "erp.users") { connection, logger in
                try await connection.inTransaction(logger: logger) { transaction in
                    let context = CommandContext(actor: UsersCommand.actor, requestID: "cli", logger: logger)
                    _ = try await context.apply(to: transaction)
                    try await UserCommands.resetPassword(
                        email: email, password: password, passwords: passwords, on: transaction, context: context)
                }
            }
            print("the password of \(UserRules.normalized(email)) is changed")
        }
    }
}
