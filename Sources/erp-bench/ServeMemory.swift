// The resident memory of a real `erp serve` process: idle after start, and after the
// goods receipt load over HTTP.
import ERPStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Resident memory of one `erp serve` run, in MiB.
struct ServeMemory {
    /// VmRSS once the server answered and sat idle for two seconds.
    var idle: Double
    /// VmRSS right after the receipts load ended.
    var afterLoad: Double
    /// VmHWM: the most it held at any time.
    var peak: Double
    /// The load's throughput against this process.
    var load: LoadResult
}

extension ReceiptBenchmark {
    /// Starts `erp` (`serve --port 0 --dev-insecure-key`) on the benchmark database, reads its
    /// resident memory idle, posts receipts to it for `seconds` from every client, reads it
    /// again, and stops it with SIGTERM.
    func measureServeMemory(_ orders: Orders, erp: String) async throws -> ServeMemory {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "erp-bench-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let logFile = folder.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: erp)
        process.arguments = ["serve", "--port", "0", "--dev-insecure-key", "--no-migrate"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = workspace.database.configuration.url
        environment["ERP_BCRYPT_COST"] = "4"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        let port = try await servingPort(process, log: logFile)
        try await Task.sleep(for: .seconds(2))
        let idle = try Self.residentMemory(of: process.processIdentifier)
        let load = try await postReceipts(orders, port: port, signIn: true)
        let after = try Self.residentMemory(of: process.processIdentifier)

        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return ServeMemory(idle: idle.rss, afterLoad: after.rss, peak: after.peak, load: load)
    }

    /// The port from the server's "url=http://127.0.0.1:<port>" log line, once it is written.
    private func servingPort(_ process: Process, log: URL) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            guard process.isRunning else { throw Failure(description: "erp serve exited:\n\(text)") }
            if let range = text.range(of: "url=http://127.0.0.1:"),
                let port = Int(text[range.upperBound...].prefix { $0.isNumber })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "erp serve did not start serving within 60 s")
    }

    /// VmRSS and VmHWM of `pid` from /proc, in MiB.
    static func residentMemory(of pid: Int32) throws -> (rss: Double, peak: Double) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ name: String) throws -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("\(name):") }),
                let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
            else { throw Failure(description: "/proc/\(pid)/status has no \(name)") }
            return kilobytes / 1024
        }
        return (try field("VmRSS"), try field("VmHWM"))
    }
}
