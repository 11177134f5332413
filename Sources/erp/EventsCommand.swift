// `erp events …`: read the event log.
import ArgumentParser
import CommandSupport
import ERPApp
import ERPEvents
import ERPPlatform
import ERPStore
import Foundation

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Read the event log: list, show, stats, tail.",
        subcommands: [List.self, Show.self, Stats.self, Tail.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events by position, filtered.",
            discussion: "Prints a table; --json prints the events whole (payload and metadata included)."
        )

        @OptionGroup var options: DatabaseOptions

        @Option(help: ArgumentHelp("Events at or after this position.", valueName: "position"))
        var from: Int64?

        @Option(
            name: .customLong("type"),
            help: ArgumentHelp("Only this event type; repeat for several.", valueName: "type"))
        var types: [String] = []

        @Option(
            help: ArgumentHelp(
                "Only events of this aggregate, e.g. goods_receipt:42 (or goods_receipt for all).", valueName: "type:id"
            ))
        var aggregate: String?

        @Option(
            help: ArgumentHelp(
                "Only events recorded at or after this time: 2026-11-22, or 2026-11-22T10:00:00+05:30.",
                valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("At most this many events (1…10000).", valueName: "n"))
        var limit = 50

        @Flag(
            help:
                "Print JSON: an array of events with position, tx, type, aggregateType, aggregateId, payload, metadata, recordedAt."
        )
        var json = false

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1…10000") }
            if let since, parseTime(since) == nil {
                throw ValidationError(
                    "--since must be a date (2026-11-22) or an ISO 8601 time (2026-11-22T10:00:00+05:30)")
            }
            if let aggregate,
                aggregate.split(separator: ":", omittingEmptySubsequences: false).count > 2 || aggregate.hasPrefix(":")
            {
                throw ValidationError("--aggregate must be TYPE or TYPE:ID, e.g. goods_receipt:42")
            }
        }

        func run() async throws {
            let parts =
                aggregate.map {
                    $0.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                } ?? []
            let filter = EventBrowser.Filter(
                from: from, types: types, aggregateType: parts.first, aggregateID: parts.count > 1 ? parts[1] : nil,
                since: since.flatMap(parseTime), limit: limit + 1
            )
            // One more than shown says whether there is more to see.
            let found = try await options.withConnection(label: "erp.events") { connection, logger in
                try await EventBrowser(logger: logger).list(filter, on: connection)
            }
            let events = Array(found.prefix(limit))
            if json {
                print("[" + events.map(\.jsonLine).joined(separator: ",\n") + "]")
                return
            }
            var table = TextTable(columns: ["POSITION", "RECORDED AT", "TYPE", "AGGREGATE", "ACTOR"])
            for event in events {
                table.add([
                    "\(event.position)", event.recordedAt.formatted(.iso8601), event.type.rawValue,
                    "\(event.aggregateType):\(event.aggregateID)",
                    event.actor ?? "",
                ])
            }
            print(table.rendered, terminator: "")
            if found.count > limit, let last = events.last {
                print("(first \(limit) shown; more with --from \(last.position + 1))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one event whole: header, metadata and payload.")

        @OptionGroup var options: DatabaseOptions

        @Argument(help: "The event's position.")
        var position: Int64

        @Flag(help: "Print the event as one JSON object.")
        var json = false

        func run() async throws {
            let event = try await options.withConnection(label: "erp.events") { connection, logger in
                try await EventBrowser(logger: logger).event(at: position, on: connection)
            }
            guard let event else {
                printError("no event at position \(position)")
                throw ExitCode.failure
            }
            if json { return print(event.jsonLine) }
            print(
                """
                position:    \(event.position)
                transaction: \(event.tx)
                type:        \(event.type)
                aggregate:   \(event.aggregateType):\(event.aggregateID)
                recorded at: \(event.recordedAt.formatted(.iso8601))
                metadata:    \(prettyJSON(event.metadata))
                payload:
                \(prettyJSON(event.payload))
                """)
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count events per type, with each type's first and last position and time.",
            discussion: "Read from the event_statistics projection; a note says how many events it has not counted yet."
        )

        @OptionGroup var options: DatabaseOptions

        @Flag(
            help:
                "Print JSON: types (type, count, firstPosition, lastPosition, firstRecorded, lastRecorded), uncountedEvents."
        )
        var json = false

        func run() async throws {
            let statistics = try await options.withConnection(label: "erp.events") { connection, logger in
                try await EventBrowser(logger: logger).statistics(on: connection)
            }
            if json { return try printJSON(statistics) }
            var table = TextTable(columns: ["TYPE", "COUNT", "FIRST", "LAST", "FIRST RECORDED", "LAST RECORDED"])
            for type in statistics.types {
                table.add([
                    type.type, "\(type.count)", "\(type.firstPosition)", "\(type.lastPosition)",
                    type.firstRecorded.formatted(.iso8601), type.lastRecorded.formatted(.iso8601),
                ])
            }
            table.add(["total", "\(statistics.types.reduce(0) { $0 + $1.count })", "", "", "", ""])
            print(table.rendered, terminator: "")
            if statistics.uncountedEvents > 0 {
                print(
                    "(\(statistics.uncountedEvents) newer events not counted yet: the event_statistics projector is behind)"
                )
            }
        }
    }

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
                    let listener = ChannelListener(
                        channel: EventReader.channel, database: database, logger: database.logger)
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
                                let batch = try await reader.read(
                                    after: checkpoint, types: nil, limit: 500, on: connection)
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

/// A date (midnight in India, the business's time zone) or an ISO 8601 time.
func parseTime(_ text: String) -> Date? {
    if let time = try? Date(text, strategy: .iso8601) { return time }
    guard let india = TimeZone(identifier: "Asia/Kolkata") else { return nil }
    var format = Date.ISO8601FormatStyle(timeZone: india)
    format = format.year().month().day()
    return try? format.parse(text)
}

/// JSON text indented for reading; the text as it is when it is not JSON.
func prettyJSON(_ text: String) -> String {
    guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
        let pretty = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    else { return text }
    return String(decoding: pretty, as: UTF8.self)
}

extension RecordedEvent {
    /// Who caused it, from its metadata.
    var actor: String? {
        guard let data = metadata.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["actor"] as? String
    }

    /// The event as one line of JSON; payload and metadata are embedded as stored.
    var jsonLine: String {
        let encoder = JSONEncoder()
        func quoted(_ text: String) -> String {
            (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        let recorded = recordedAt.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        return """
            {"position":\(position),"tx":\(tx),"type":\(quoted(type.rawValue)),"aggregateType":\(quoted(aggregateType)),\
            "aggregateId":\(quoted(aggregateID)),"payload":\(payload),"metadata":\(metadata),\
            "recordedAt":\(quoted(recorded))}
            """
    }
}
