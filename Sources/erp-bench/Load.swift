// Running one piece of work at N concurrent clients for a fixed time, in this process or
// as a pgbench script, and reading throughput and latency from it.
import Foundation

/// Throughput and latency of one run.
struct LoadResult {
    var perSecond: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double
}

/// A benchmark that could not run.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

/// How pgbench sends each statement.
enum PgbenchProtocol: String, CaseIterable, CustomStringConvertible {
    /// pgbench's default: one Query message with the values written in; parsed and planned every time.
    case simple
    /// Parse, bind and execute an unnamed statement, as PostgresNIO sends a query: planned every time.
    case extended
    /// Each statement prepared once per connection: planned once.
    case prepared

    var description: String { rawValue }
}

/// `clients` concurrent clients for `seconds`, after one second of warm-up that is not counted.
struct Load {
    let clients: Int
    let seconds: Int
    /// Where each pgbench script is also left, to be run by hand against the kept database.
    var scriptsFolder: String? = nil

    /// Runs `work(client)` in a loop on every client and reports throughput and latency.
    func measure(_ work: @escaping @Sendable (Int) async throws -> Void) async throws -> LoadResult {
        let clock = ContinuousClock()
        let start = clock.now
        let counted = start + .seconds(1)
        let end = counted + .seconds(seconds)
        let clients = clients
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for index in 0..<clients {
                group.addTask {
                    var mine: [Double] = []
                    while clock.now < end {
                        let began = clock.now
                        try await work(index)
                        if began >= counted { mine.append((clock.now - began) / .milliseconds(1)) }
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
        }
        return LoadResult(
            perSecond: Double(latencies.count) / Double(seconds),
            p50Milliseconds: percentile(latencies, 0.50), p99Milliseconds: percentile(latencies, 0.99))
    }

    /// Runs pgbench with `script` at the same number of clients against `url` and reads its
    /// per-transaction log for throughput and latency.
    func pgbench(
        _ script: String, named name: String, url: String, pgbench: String, protocol queryProtocol: PgbenchProtocol
    ) async throws -> LoadResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "erp-bench-pgbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptFile = folder.appendingPathComponent("\(name).sql")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        if let scriptsFolder {
            let kept = URL(fileURLWithPath: scriptsFolder).appendingPathComponent("\(name)-\(queryProtocol).sql")
            try script.write(to: kept, atomically: true, encoding: .utf8)
        }

        let errorFile = folder.appendingPathComponent("pgbench.err").path
        let arguments = [
            "--no-vacuum", "--protocol=\(queryProtocol.rawValue)", "--client=\(clients)", "--jobs=2",
            "--time=\(seconds + 1)",
            "--file=\(scriptFile.path)", "--log", "--log-prefix=\(folder.appendingPathComponent("tx").path)", url,
        ]
        let started = Date().timeIntervalSince1970
        let status = try Subprocess.run(pgbench, arguments, errorFile: errorFile)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw BenchFailure(description: "pgbench failed (\(status)): \(output)")
        }
        // Log lines: client transaction latency_us script epoch_s epoch_us. The first second is warm-up.
        var latencies: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasPrefix("tx.") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 6, let latency = Double(fields[2]), let seconds = Double(fields[4]),
                    let micros = Double(fields[5])
                else { continue }
                if seconds + micros / 1_000_000 - latency / 1_000_000 >= started + 1 {
                    latencies.append(latency / 1_000)
                }
            }
        }
        latencies.sort()
        return LoadResult(
            perSecond: Double(latencies.count) / Double(seconds),
            p50Milliseconds: percentile(latencies, 0.50), p99Milliseconds: percentile(latencies, 0.99))
    }
}
