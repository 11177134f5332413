// `erp migrate`: apply the schema files this binary carries.
import ArgumentParser
import ERPStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations (sql/ and triggers/, embedded in this binary).",
        discussion: """
            The numbered files of sql/ run once each, in order; then each repeatable file of \
            triggers/ (functions and triggers) runs again whenever its text changed. Each \
            file runs in its own transaction and is recorded with its checksum. A numbered \
            file that was edited after it was applied is refused. Concurrent runs wait for \
            each other.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Flag(help: "List pending migrations without applying them.")
    var dryRun = false

    func run() async throws {
        let database = try options.database(label: "erp.migrate")
        try await reportingFailure(database) {
            let migrator = Migrator(logger: database.logger)
            try await database.withConnection(as: "erp-migrate") { connection in
                if dryRun {
                    let pending = try await migrator.pending(on: connection)
                    print(pending.isEmpty ? "schema is current" : pending.joined(separator: "\n"))
                    return
                }
                let applied = try await migrator.migrate(on: connection)
                for path in applied { print("applied \(path)") }
                print(applied.isEmpty ? "schema is current" : "\(applied.count) file(s) applied")
            }
        }
    }
}
