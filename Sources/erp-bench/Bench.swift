// `erp-bench`: the end-to-end event pipeline benchmark behind `make bench`.
import ArgumentParser
import CommandSupport
import ERPEvents
import ERPStore
import Foundation
import Logging

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erp-bench",
        abstract: "Measure the event pipeline: commit-to-projected latency and catch-up throughput.",
        discussion: """
            Creates (and afterwards drops) a database named erp_bench on the server of \
            DATABASE_URL, migrates it, and runs each measurement --runs times:

              latency   writers insert rows into a table whose trigger records an event, \
            at a steady --rate events/s for --seconds; the time from each writer's COMMIT \
            acknowledgement until the projector's transaction holding that event committed.
              catch-up  --backlog events already in the log; how fast one runner with a \
            minimal projector drains them.

            `make bench` provisions a throwaway cluster, builds in release mode and runs this.
            """
    )

    @Option(help: ArgumentHelp("PostgreSQL URL of the server; defaults to $DATABASE_URL.", valueName: "url"))
    var databaseURL: String?

    @Option(help: "Events per second the writers commit during the latency runs.")
    var rate = 500

    @Option(help: "Length of each latency run, in seconds (the first second is warm-up and not counted).")
    var seconds = 10

    @Option(help: "Events in the log before each catch-up run.")
    var backlog = 100_000

    @Option(help: "Runs of each measurement; the table shows each run and their median.")
    var runs = 3

    @Option(help: "Concurrent writer connections in the latency runs.")
    var writers = 4

    func validate() throws {
        guard rate > 0, seconds > 1, backlog > 0, runs > 0, writers > 0 else {
            throw ValidationError("--rate, --backlog, --runs and --writers must be positive and --seconds at least 2")
        }
    }

    func run() async throws {
        var logger = Logger(label: "erp.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("DATABASE_URL is not set (or pass --database-url); `make bench` provisions a server")
        }
        let server = try DatabaseConfiguration(url: url)
        let workspace = try await BenchDatabase.create(on: server, logger: logger)
        do {
            var latencies: [LatencyBenchmark.Result] = []
            for run in 1...runs {
                progress("latency run \(run)/\(runs): \(rate) events/s for \(seconds) s")
                let benchmark = LatencyBenchmark(database: workspace.database, rate: rate, seconds: seconds, writers: writers, logger: logger)
                latencies.append(try await benchmark.run())
            }
            progress("writing a backlog of \(backlog) events")
            try await CatchUpBenchmark.writeBacklog(backlog, database: workspace.database, logger: logger)
            var throughputs: [Double] = []
            for run in 1...runs {
                progress("catch-up run \(run)/\(runs): draining \(backlog) events")
                let benchmark = CatchUpBenchmark(database: workspace.database, logger: logger)
                throughputs.append(try await benchmark.run(expecting: backlog))
            }
            let version = try await workspace.serverVersion()
            print(report(latencies: latencies, throughputs: throughputs, serverVersion: version))
            try await workspace.drop()
        } catch {
            try? await workspace.drop()
            throw error
        }
    }

    private func report(latencies: [LatencyBenchmark.Result], throughputs: [Double], serverVersion: String) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let date = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        func row(_ name: String, _ values: [Double], digits: Int, target: String) {
            table.add([name] + values.map { format($0, digits: digits) } + [format(median(values), digits: digits), target])
        }
        row("commit→projected p50, ms", latencies.map(\.p50Milliseconds), digits: 2, target: "")
        row("commit→projected p99, ms", latencies.map(\.p99Milliseconds), digits: 2, target: "≤ 5")
        row("commit→projected max, ms", latencies.map(\.maxMilliseconds), digits: 2, target: "")
        row("events committed per s", latencies.map(\.achievedRate), digits: 0, target: "\(rate)")
        row("catch-up, events/s", throughputs, digits: 0, target: "≥ 50000")
        return """
            ERPCore event pipeline benchmark — \(date), \(cores) cores, \(String(format: "%.0f", memory)) GiB, PostgreSQL \(serverVersion)
            latency: \(rate) events/s for \(seconds) s per run over \(writers) writers; catch-up: \(backlog)-event backlog, batch size 1000

            \(table.rendered)
            """
    }
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("erp-bench: \(message)\n".utf8))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
}

func format(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}
