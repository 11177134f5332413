// The `erp` command: wires the library targets into a server, a worker and operator tools.
import ArgumentParser

@main
struct ERP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erp",
        abstract: "ERPCore: an event-driven ERP core on PostgreSQL alone.",
        discussion: """
            Configuration comes from DATABASE_URL (postgres://user[:password]@host[:port]/database) \
            or --database-url. Run `erp help SUBCOMMAND` for each command's options.
            """,
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, ProjectionsCommand.self, EventsCommand.self,
            ReplayCommand.self,
            JobsCommand.self, SeedCommand.self, VerifyCommand.self, UsersCommand.self,
        ]
    )
}
