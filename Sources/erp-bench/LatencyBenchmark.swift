import ERPApp
// Commit-to-projected latency at a steady write rate, through the whole pipeline.
import ERPEvents
import ERPPlatform
import ERPStore
import Logging
import PostgresNIO
import Synchronization

/// Writers commit rows at a steady rate; a probe projector notes when each row's event
/// was projected (its transaction committed). The pipeline is the production one: the
/// LISTEN connection, the safety poll, and every production projector next to the probe.
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

    let database: Database
    let rate: Int
    let seconds: Int
    let writers: Int
    /// Whether the runners share one log read per wake-up, as in production.
    var sharesLogReads = true
    let logger: Logger

    func run() async throws -> Result {
        let clock = ContinuousClock()
        let timings = Timings()
        let probe = LatencyProbe(timings: timings, clock: clock)
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
            let interval = Duration.seconds(1) / rate
            let start = clock.now + .milliseconds(100)
            let counted = start + .seconds(1)
            try await withThrowingTaskGroup(of: Void.self) { writersGroup in
                for writer in 0..<writers {
                    writersGroup.addTask {
                        try await database.withConnection(as: "erp-bench-writer") { connection in
                            for index in stride(from: writer, to: total, by: writers) {
                                let scheduled = start + interval * index
                                try await clock.sleep(until: scheduled)
                                let rows = try await connection.query(
                                    "INSERT INTO bench_items (note) VALUES ('latency') RETURNING id", logger: logger)
                                for try await id in rows.decode(Int64.self) {
                                    timings.committed(id, at: clock.now, counted: scheduled >= counted)
                                }
                            }
                        }
                    }
                }
                try await writersGroup.waitForAll()
            }
            let writing = start.duration(to: clock.now)
            try await waitFor("every event to be projected") { timings.unprojected == 0 }
            let latencies = timings.latencies().sorted()
            return Result(
                p50Milliseconds: percentile(latencies, 0.50),
                p99Milliseconds: percentile(latencies, 0.99),
                maxMilliseconds: latencies.last ?? 0,
                achievedRate: Double(total) / writing.inSeconds
            )
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

/// When each counted row was committed by its writer and projected by the probe.
final class Timings: Sendable {
    private struct State {
        var committed: [Int64: ContinuousClock.Instant] = [:]
        var projected: [Int64: ContinuousClock.Instant] = [:]
        var uncounted: Set<Int64> = []
    }
    private let state = Mutex(State())

    func committed(_ id: Int64, at instant: ContinuousClock.Instant, counted: Bool) {
        state.withLock {
            $0.committed[id] = instant
            if !counted { $0.uncounted.insert(id) }
        }
    }

    func projected(_ ids: [Int64], at instant: ContinuousClock.Instant) {
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
                return max(0, committed.duration(to: projected).inSeconds * 1000)
            }
        }
    }
}

/// Records each latency row into `bench_projected` and, once that commits, the time.
struct LatencyProbe: Projector {
    let timings: Timings
    let clock: ContinuousClock
    var name: String { "bench_latency_probe" }
    var eventTypes: Set<EventType>? { [EventType("bench.item_added")] }

    func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        try await transaction.query(
            "INSERT INTO bench_projected (id) SELECT unnest(\(events.compactMap { Int64($0.aggregateID) })::bigint[])",
            logger: logger
        )
    }

    func didCommit(_ events: [RecordedEvent], logger: Logger) async {
        timings.projected(events.compactMap { Int64($0.aggregateID) }, at: clock.now)
    }
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
    return sorted[max(0, index)]
}
