// `erp projections …`: see and steer the projectors.
import ArgumentParser
import CommandSupport
import ERPApp
import ERPEvents
import ERPPlatform
import ERPStore
import Foundation

struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Inspect and control projectors: status, pause, resume, reset.",
        discussion: "To rebuild a read model beside the live one without downtime, use `erp replay`.",
        subcommands: [Status.self, Pause.self, Resume.self, Reset.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each projector's checkpoint, lag, state, code version and the process running it.",
            discussion: """
                VERSION is the projector code version that built the stored read model, then this build's \
                version; a projector built by older code is marked "rebuild needed": run `erp replay NAME` \
                (or `erp replay --outdated`). ACTIVE is the process whose runner holds the projector's \
                lock (host, pid, since when), read from the database's advisory locks; "none" means no \
                process runs it now. The note lists the standbys, ready to take over, and how often a \
                watchdog restarted a runner that made no progress.
                """
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(
            help: """
                Print JSON: name, checkpoint, head, lagEvents, lagSeconds, state, failedPosition, lastError, \
                builtWithVersion, codeVersion, replay, activeHolder, activeSince, standbys, restarts, lastRestartAt, \
                lastRestartReason.
                """)
        var json = false

        func run() async throws {
            let statuses = try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(projectors: Modules.list().projectors(), logger: logger).status(
                    on: connection)
            }
            if json { return try printJSON(statuses) }
            var table = TextTable(columns: [
                "NAME", "STATE", "VERSION", "CHECKPOINT", "HEAD", "LAG EVENTS", "LAG SECONDS", "ACTIVE", "NOTE",
            ])
            let time = DateFormatter()
            time.dateFormat = "yyyy-MM-dd HH:mm:ss 'IST'"
            time.timeZone = TimeZone(identifier: "Asia/Kolkata")
            for status in statuses {
                var active = status.activeHolder ?? "none"
                if let since = status.activeSince { active += " since \(time.string(from: since))" }
                var notes: [String] = []
                if !status.standbys.isEmpty { notes.append("standby: \(status.standbys.joined(separator: ", "))") }
                if status.restarts > 0 {
                    let last = status.lastRestartAt.map { " at \(time.string(from: $0))" } ?? ""
                    let plural = status.restarts == 1 ? "" : "s"
                    notes.append(
                        "watchdog restarted it \(status.restarts) time\(plural), last\(last): \(status.lastRestartReason ?? "no progress")"
                    )
                }
                if status.isBehindCode { notes.append("rebuild needed: built by v\(status.builtWithVersion)") }
                if let replay = status.replay { notes.append("replay running: \(replay)") }
                if let error = status.lastError { notes.append("at position \(status.failedPosition ?? 0): \(error)") }
                table.add([
                    status.name, status.state,
                    "\(status.builtWithVersion)/\(status.codeVersion.map(String.init) ?? "-")",
                    status.checkpoint.description, status.head.description, "\(status.lagEvents)",
                    String(format: "%.1f", status.lagSeconds), active, notes.joined(separator: "; "),
                ])
            }
            print(table.rendered, terminator: "")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a projector in every process until `erp projections resume`.",
            discussion: """
                Its read model keeps serving, growing stale. A batch in flight rolls back; an idle runner \
                notices within a second.
                """
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The projector's name, as `erp projections status` shows it.")
        var name: String

        func run() async throws {
            let paused = try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(projectors: Modules.list().projectors(), logger: logger).pause(
                    name, on: connection)
            }
            print(paused ? "\(name) paused" : "\(name) was already paused")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart a paused projector, or clear a stalled one so it retries the event it stalled on."
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The projector's name, as `erp projections status` shows it.")
        var name: String

        func run() async throws {
            let resumed = try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(projectors: Modules.list().projectors(), logger: logger).resume(
                    name, on: connection)
            }
            print(resumed ? "\(name) resumed" : "\(name) was neither paused nor stalled")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Empty a projector's read model and rebuild it in place from the start of the log.",
            discussion: """
                Readers see the read model empty, then filling up, until the projector catches up; \
                `erp replay NAME` rebuilds without that gap. Tables that also hold rows from elsewhere \
                (notifications: acknowledgements, the expiry scan's) keep their rows. Asks for the \
                projector's name to confirm unless --yes.
                """
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The projector's name, as `erp projections status` shows it.")
        var name: String

        @Flag(help: "Do not ask for confirmation.")
        var yes = false

        func run() async throws {
            let known = Modules.list().projectors().map(\.name)
            guard known.contains(name) else {
                printError("no projector named '\(name)'; known projectors: \(known.sorted().joined(separator: ", "))")
                throw ExitCode.failure
            }
            if !yes {
                guard isatty(STDIN_FILENO) != 0 else {
                    printError("reset empties the \(name) read model; pass --yes to confirm when not at a terminal")
                    throw ExitCode.failure
                }
                print("This empties the \(name) read model; readers see it empty until it is rebuilt.")
                print("Type the projector's name to confirm: ", terminator: "")
                guard readLine()?.trimmingCharacters(in: .whitespaces) == name else {
                    printError("not confirmed; nothing changed")
                    throw ExitCode.failure
                }
            }
            try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(projectors: Modules.list().projectors(), logger: logger).reset(
                    name, on: connection)
            }
            print("\(name) reset; its runner rebuilds it from the start of the log")
        }
    }
}
