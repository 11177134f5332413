// `erp worker`: a daemon that runs background jobs, and nothing else.
import ArgumentParser
import ERPApp
import ERPJobs
import ERPPlatform
import ERPStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run background jobs: webhook deliveries, the expiry scan, reorder suggestions.",
        discussion: """
            Any number of workers may run, on any hosts: each claims jobs with SKIP LOCKED, so no \
            job runs twice at once, and each schedule tick is enqueued once however many run. \
            It waits for `erp migrate` rather than migrating. SIGTERM or SIGINT stops claiming, \
            gives running jobs --drain-timeout seconds, then releases the leases of those still \
            running so another worker takes them at once. A worker killed outright loses its \
            leases after --lease seconds, and its jobs run again elsewhere.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "Comma-separated queues to work: default (scans), notifications (webhook deliveries).", valueName: "a,b")
    )
    var queues = Modules.list().queues.joined(separator: ",")

    @OptionGroup(title: "Job runner") var jobOptions: JobRunnerOptions

    var queueNames: [String] {
        queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard !queueNames.isEmpty else { throw ValidationError("--queues names no queue") }
        for queue in queueNames where queue.wholeMatch(of: /[a-z][a-z0-9_-]{0,39}/) == nil {
            throw ValidationError("queue \"\(queue)\" is not a queue name (lowercase letters, digits, _ and -)")
        }
        guard Set(queueNames).count == queueNames.count else { throw ValidationError("--queues repeats a queue") }
    }

    func run() async throws {
        let database = try options.database(label: "erp.worker")
        let logger = database.logger
        let client = PostgresClient(
            configuration: database.configuration.clientConfiguration(), backgroundLogger: logger)
        let webhooks = try jobOptions.webhookClient()
        let runner = try jobOptions.runner(
            queues: queueNames, database: database, client: client, webhooks: webhooks, logger: logger)
        let startup = AfterMigrations(
            migrator: Migrator(logger: logger), database: database, applyMigrations: false, services: [runner])
        // Shutdown runs in reverse: the runner drains first, then the webhook client and the pool.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: client), .init(service: webhooks), .init(service: startup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ).withShutdownLimit(.seconds(jobOptions.drainTimeout + 5))
        )
        try await reportingFailure(database) {
            try await group.run()
        }
    }
}
