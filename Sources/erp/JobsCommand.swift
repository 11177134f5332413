// `erp jobs …`: see the queues, and retry or cancel jobs.
import ArgumentParser
import CommandSupport
import ERPApp
import ERPJobs
import ERPPlatform
import ERPStore
import Foundation

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect background jobs; retry dead ones, cancel pending ones.",
        subcommands: [List.self, Stats.self, Run.self, Retry.self, Cancel.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")

        @OptionGroup var options: DatabaseOptions

        @Option(
            help: ArgumentHelp(
                "Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).",
                valueName: "state"))
        var state: String?

        @Option(help: ArgumentHelp("Only jobs of this queue.", valueName: "queue"))
        var queue: String?

        @Option(help: ArgumentHelp("At most this many jobs (1…1000).", valueName: "n"))
        var limit = 50

        @Flag(help: "Print JSON: id, queue, kind, state, attempts, maxAttempts, at, workerId, lastError.")
        var json = false

        func validate() throws {
            if let state, JobState(rawValue: state) == nil {
                throw ValidationError(
                    "--state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1…1000") }
        }

        func run() async throws {
            let jobs = try await options.withConnection(label: "erp.jobs") { connection, logger in
                try await JobAdmin.list(
                    state: state.flatMap(JobState.init(rawValue:)), queue: queue, limit: limit, on: connection,
                    logger: logger)
            }
            if json { return try printJSON(jobs) }
            var table = TextTable(columns: ["ID", "QUEUE", "KIND", "STATE", "ATTEMPTS", "AT", "LAST ERROR"])
            for job in jobs {
                table.add([
                    "\(job.id)", job.queue, job.kind, job.state, "\(job.attempts)/\(job.maxAttempts)",
                    job.at.formatted(.iso8601), String((job.lastError ?? "").prefix(80)),
                ])
            }
            print(table.rendered, terminator: "")
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Per queue: pending, running, scheduled and dead jobs, and how long the oldest pending job has waited."
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(help: "Print JSON: queue, pending, running, scheduled, dead, oldestPendingSeconds.")
        var json = false

        func run() async throws {
            let statistics = try await options.withConnection(label: "erp.jobs") { connection, logger in
                try await JobAdmin.statistics(on: connection, known: Modules.list().queues, logger: logger)
            }
            if json { return try printJSON(statistics) }
            var table = TextTable(columns: ["QUEUE", "PENDING", "RUNNING", "SCHEDULED", "DEAD", "OLDEST PENDING"])
            for queue in statistics {
                table.add([
                    queue.queue, "\(queue.pending)", "\(queue.running)", "\(queue.scheduled)", "\(queue.dead)",
                    queue.oldestPendingSeconds.map { String(format: "%.1f s", $0) } ?? "-",
                ])
            }
            print(table.rendered, terminator: "")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue a scheduled job to run now, outside its schedule.",
            discussion: """
                The job is enqueued with the settings its schedule uses and runs as soon as a job runner \
                (`erp serve` or `erp worker`) claims it; `erp jobs list` shows it. The schedules fire daily in \
                Asia/Kolkata time: inventory.expiry_scan at 02:00, purchasing.reorder_suggestions at 02:30.
                """
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: ArgumentHelp("The job's kind: \(Self.kinds.joined(separator: ", ")).", valueName: "kind"))
        var kind: String

        @Option(help: ArgumentHelp("For inventory.expiry_scan: days ahead it flags batches.", valueName: "days"))
        var expiryWindowDays = 90

        static var kinds: [String] { Modules.list().schedules().map(\.job.kind) }

        func validate() throws {
            guard Self.kinds.contains(kind) else {
                throw ValidationError(
                    "\(kind) is not a scheduled job; scheduled jobs: \(Self.kinds.joined(separator: ", "))")
            }
            guard (0...3650).contains(expiryWindowDays) else {
                throw ValidationError("--expiry-window-days must be 0…3650")
            }
        }

        func run() async throws {
            let modules = Modules.list(.init(expiryWindowDays: expiryWindowDays))
            guard let job = modules.schedules().first(where: { $0.job.kind == kind })?.job else { return }
            let enqueued = try await options.withConnection(label: "erp.jobs") { connection, logger in
                try await JobQueue.enqueue(job, on: connection, logger: logger)
            }
            switch enqueued {
            case .added(let id): print("job \(id) (\(kind)) is enqueued; a running job runner picks it up")
            case .duplicate: print("a \(kind) job is already waiting to run; nothing was added")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead job back in its queue with its attempts reset."
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The job's id, as `erp jobs list --state dead` shows it.")
        var id: Int64

        func run() async throws {
            try await options.withConnection(label: "erp.jobs") { connection, logger in
                guard try await JobStore.retryDead(id, on: connection, logger: logger) else {
                    throw CommandFailure("there is no dead job \(id)")
                }
            }
            print("job \(id) is pending again")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a pending or scheduled job; a running job cannot be cancelled."
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The job's id, as `erp jobs list` shows it.")
        var id: Int64

        func run() async throws {
            try await options.withConnection(label: "erp.jobs") { connection, logger in
                guard try await JobStore.cancel(id, on: connection, logger: logger) else {
                    throw CommandFailure(
                        "there is no pending job \(id) (running and finished jobs cannot be cancelled)")
                }
            }
            print("job \(id) is cancelled")
        }
    }
}

/// Prints `value` as sorted, indented JSON with ISO 8601 dates.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
