// `erp projections …`: see and steer the projectors.
import ArgumentParser
import CommandSupport
import ERPEvents
import ERPProjections
import ERPStore
import Foundation

struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Inspect and control projectors.",
        subcommands: [Status.self, Resume.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each projector's checkpoint, lag and state."
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(help: "Print JSON: name, checkpoint, head, lagEvents, lagSeconds, state, failedPosition, lastError.")
        var json = false

        func run() async throws {
            let statuses = try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(known: Projectors.all().map(\.name), logger: logger).status(on: connection)
            }
            if json { return try printJSON(statuses) }
            var table = TextTable(columns: ["NAME", "STATE", "CHECKPOINT", "HEAD", "LAG EVENTS", "LAG SECONDS", "LAST ERROR"])
            for status in statuses {
                var error = status.lastError ?? ""
                if let position = status.failedPosition { error = "at position \(position): \(error)" }
                table.add([
                    status.name, status.state, status.checkpoint.description, status.head.description,
                    "\(status.lagEvents)", String(format: "%.1f", status.lagSeconds), error,
                ])
            }
            print(table.rendered, terminator: "")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear a stalled projector so it retries the event it stalled on."
        )

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The projector's name, as `erp projections status` shows it.")
        var name: String

        func run() async throws {
            let resumed = try await options.withConnection(label: "erp.projections") { connection, logger in
                try await ProjectionControl(known: Projectors.all().map(\.name), logger: logger).resume(name, on: connection)
            }
            print(resumed ? "\(name) resumed" : "\(name) was not stalled")
        }
    }
}
