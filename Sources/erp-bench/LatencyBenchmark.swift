import Dispatch
import ERPApp
// Commit-to-projected latency at a steady write rate, through the whole pipeline.
import ERPEvents
import ERPPlatform
import ERPStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Writers commit rows at a steady rate; a probe projector notes when each row's event
/// was projected (its transaction committed). The pipeline is the production one: the
/// LISTEN connection, the safety poll, and every production projector next to the probe.
/// The writers run in this process or, with ``writerExecutable`` set, in a child process
/// (this executable again, `--latency-writer-start`), both sides timing on one clock.
struct LatencyBenchmark {
    struct Result {
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
        /// Events the writers actually committed per second.
        var achievedRate: Double
    }

    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var description: String { "timed out after 30 s waiting for \(waitingFor)" }
    }

    struct WriterFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// One committed row as a writer saw it: its id, when its COMMIT was acknowledged
    /// (``MonotonicClock``) and whether it is past the warm-up second.
    struct Commit: Sendable {
        var id: Int64
        var at: Int64
        var counted: Bool

        /// The line a writer process prints for it: `id nanoseconds 0|1`.
        var line: String { "\(id) \(at) \(counted ? 1 : 0)" }

        init(id: Int64, at: Int64, counted: Bool) {
            (self.id, self.at, self.counted) = (id, at, counted)
        }

        init?(line: Substring) {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let id = Int64(fields[0]), let at = Int64(fields[1]) else { return nil }
            self.init(id: id, at: at, counted: fields[2] == "1")
        }
    }

    let database: Database
    let rate: Int
    let seconds: Int
    let writers: Int
    /// Whether the runners share one log read per wake-up, as in production.
    var sharesLogReads = true
    /// This executable, to run the writers in a process of their own; `nil` runs them here.
    var writerExecutable: String? = nil
    let logger: Logger

    func run() async throws -> Result {
        let timings = Timings()
        let probe = LatencyProbe(timings: timings)
        let pipeline = EventPipeline(
            projectors: Modules.list().projectors() + [probe], database: database,
            configuration: .init(sharesLogReads: sharesLogReads), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            defer {
                for runner in pipeline.runners { runner.wakeUp.finish() }
                group.cancelAll()
            }
            try await waitFor("the pipeline to connect") {
                pipeline.listener.isConnected && pipeline.runners.allSatisfy(\.isActive)
            }
            let total = rate * seconds
            let last: Int64
            let start: Int64
            if let writerExecutable {
                // Time for the child to start and connect before its first row is due.
                start = MonotonicClock.nanoseconds() + 1_000_000_000
                let commits = try await writeInChild(writerExecutable, start: start)
                guard commits.count == total else {
                    throw WriterFailure(description: "the writer process reported \(commits.count) of \(total) rows")
                }
                for commit in commits { timings.committed(commit) }
                last = commits.map(\.at).max() ?? start
            } else {
                start = MonotonicClock.nanoseconds() + 100_000_000
                try await Self.write(
                    rate: rate, seconds: seconds, writers: writers, start: start, database: database, logger: logger
                ) { timings.committed($0) }
                last = MonotonicClock.nanoseconds()
            }
            try await waitFor("every event to be projected") { timings.unprojected == 0 }
            let latencies = timings.latencies().sorted()
            return Result(
                p50Milliseconds: percentile(latencies, 0.50),
                p99Milliseconds: percentile(latencies, 0.99),
                maxMilliseconds: latencies.last ?? 0,
                achievedRate: Double(total) / (Double(last - start) / 1e9)
            )
        }
    }

    /// `writers` connections insert `rate × seconds` rows between them, each at its
    /// scheduled time from `start` (``MonotonicClock``), reporting each acknowledged
    /// COMMIT; rows due in the first second are the warm-up, not counted.
    static func write(
        rate: Int, seconds: Int, writers: Int, start: Int64, database: Database, logger: Logger,
        committed: @escaping @Sendable (Commit) -> Void
    ) async throws {
        let total = rate * seconds
        let interval = 1_000_000_000 / Int64(rate)
        let counted = start + 1_000_000_000
        try await withThrowingTaskGroup(of: Void.self) { writersGroup in
            for writer in 0..<writers {
                writersGroup.addTask {
                    try await database.withConnection(as: "erp-bench-writer") { connection in
                        for index in stride(from: writer, to: total, by: writers) {
                            let scheduled = start + interval * Int64(index)
                            let wait = scheduled - MonotonicClock.nanoseconds()
                            if wait > 0 { try await Task.sleep(for: .nanoseconds(wait)) }
                            let rows = try await connection.query(
                                "INSERT INTO bench_items (note) VALUES ('latency') RETURNING id", logger: logger)
                            for try await id in rows.decode(Int64.self) {
                                committed(
                                    Commit(id: id, at: MonotonicClock.nanoseconds(), counted: scheduled >= counted))
                            }
                        }
                    }
                }
            }
            try await writersGroup.waitForAll()
        }
    }

    /// Runs the writers in a child process and reads back what it committed and when.
    private func writeInChild(_ executable: String, start: Int64) async throws -> [Commit] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "erp-bench-writer-\(UUID()).out"
        ).path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let arguments = [
            "--latency-writer-start", "\(start)", "--rate", "\(rate)", "--seconds", "\(seconds)", "--writers",
            "\(writers)",
        ]
        let url = database.configuration.url
        // Subprocess.run waits in waitpid: on a thread of its own, not the cooperative pool's.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Swift.Result {
                        try Subprocess.run(
                            executable, arguments, errorFile: nil, outputFile: output,
                            environment: ["DATABASE_URL": url])
                    })
            }.start()
        }
        guard status == 0 else { throw WriterFailure(description: "the writer process exited with status \(status)") }
        return try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").compactMap {
            Commit(line: $0)
        }
    }

    private func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw Timeout(waitingFor: what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// When each counted row was committed by its writer and projected by the probe, in
/// ``MonotonicClock`` nanoseconds.
final class Timings: Sendable {
    private struct State {
        var committed: [Int64: Int64] = [:]
        var projected: [Int64: Int64] = [:]
        var uncounted: Set<Int64> = []
    }
    private let state = Mutex(State())

    func committed(_ commit: LatencyBenchmark.Commit) {
        state.withLock {
            $0.committed[commit.id] = commit.at
            if !commit.counted { $0.uncounted.insert(commit.id) }
        }
    }

    func projected(_ ids: [Int64], at instant: Int64) {
        state.withLock { state in
            for id in ids { state.projected[id] = instant }
        }
    }

    /// Committed rows whose event was not projected yet.
    var unprojected: Int {
        state.withLock { state in state.committed.keys.count { state.projected[$0] == nil } }
    }

    /// Milliseconds from commit acknowledgement to projection, warm-up excluded. The
    /// probe can commit before the writer hears its own COMMIT answered; that counts as 0.
    func latencies() -> [Double] {
        state.withLock { state in
            state.committed.compactMap { id, committed -> Double? in
                guard !state.uncounted.contains(id), let projected = state.projected[id] else { return nil }
                return max(0, Double(projected - committed) / 1e6)
            }
        }
    }
}

/// Records each latency row into `bench_projected` and, once that commits, the time.
struct LatencyProbe: Projector {
    let timings: Timings
    var name: String { "bench_latency_probe" }
    var eventTypes: Set<EventType>? { [EventType("bench.item_added")] }

    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        try await transaction.query(
            "INSERT INTO bench_projected (id) SELECT unnest(\(events.compactMap { Int64($0.aggregateID) })::bigint[])",
            logger: logger
        )
    }

    func didCommit(_ events: [RecordedEvent], logger: Logger) async {
        timings.projected(events.compactMap { Int64($0.aggregateID) }, at: MonotonicClock.nanoseconds())
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds: one clock for every process on the machine, so a
/// writer in another process and the probe here time alike.
enum MonotonicClock {
    static func nanoseconds() -> Int64 {
        // Dispatch's uptime is CLOCK_MONOTONIC on Linux.
        Int64(DispatchTime.now().uptimeNanoseconds)
    }
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
    return sorted[max(0, index)]
}
