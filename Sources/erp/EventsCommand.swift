// `erp events …`: read the event log.
import ArgumentParser
import ERPEvents
import ERPStore
import Foundation

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Read the event log.",
        subcommands: [Tail.self]
    )

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow new events live, one JSON object per line.",
            discussion: """
                Prints events as their transactions commit, in log order, until interrupted. \
                Wakes on NOTIFY and polls as a fallback.
                """
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(help: "Start from the first event instead of the current end of the log.")
        var fromStart = false

        @Option(help: ArgumentHelp("Fallback poll interval in milliseconds.", valueName: "ms"))
        var pollInterval = 1000

        func run() async throws {
            let database = try options.database(label: "erp.events")
            try await reportingFailure(database) {
                let reader = EventReader(logger: database.logger)
                try await database.withConnection(as: "erp-events-tail") { connection in
                    var checkpoint = fromStart ? .start : try await reader.head(on: connection)
                    let listener = ChannelListener(channel: EventReader.channel, database: database, logger: database.logger)
                    let wakeUp = WakeUp()
                    listener.subscribe(wakeUp)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await listener.run() }
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: .milliseconds(pollInterval))
                                wakeUp.signal()
                            }
                        }
                        for await _ in wakeUp.wakeUps {
                            while true {
                                let batch = try await reader.read(after: checkpoint, types: nil, limit: 500, on: connection)
                                guard let end = batch.end else { break }
                                let lines = batch.events.map { $0.jsonLine + "\n" }.joined()
                                FileHandle.standardOutput.write(Data(lines.utf8))
                                checkpoint = end
                            }
                        }
                        group.cancelAll()
                    }
                }
            }
        }
    }
}

extension RecordedEvent {
    /// The event as one line of JSON; payload and metadata are embedded as stored.
    var jsonLine: String {
        let encoder = JSONEncoder()
        func quoted(_ text: String) -> String {
            (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        let recorded = recordedAt.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        return """
            {"position":\(position),"tx":\(tx),"type":\(quoted(type)),"aggregateType":\(quoted(aggregateType)),\
            "aggregateId":\(quoted(aggregateID)),"payload":\(payload),"metadata":\(metadata),\
            "recordedAt":\(quoted(recorded))}
            """
    }
}
