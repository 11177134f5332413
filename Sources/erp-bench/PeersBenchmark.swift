// `make bench-peers`: PgQueuer, python eventsourcing and Tryton measured beside ERPCore.
import ERPStore
import Foundation
import Logging
import PostgresNIO

/// Runs the peers' Python scripts (`Sources/erp-bench/Peers`), each in its own virtual
/// environment, on databases of their own on the peers' server, and reads the one JSON
/// object each prints last.
struct PeersBenchmark {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The folder holding a virtual environment per peer: `pgqueuer`, `eventsourcing`, `tryton`.
    let environments: String
    /// The folder of the peers' scripts.
    let scripts: String
    /// The server the peers' databases are made on.
    let server: DatabaseConfiguration
    let logger: Logger

    static let peers = ["pgqueuer", "eventsourcing", "tryton"]

    /// Every peer's Python and script is where it should be.
    func check() throws {
        for peer in Self.peers {
            guard FileManager.default.isExecutableFile(atPath: python(peer)) else {
                throw Failure(
                    description:
                        "\(python(peer)) is missing: `make bench-peers` makes the virtual environments (or pass --peers)"
                )
            }
            guard FileManager.default.fileExists(atPath: script(peer)) else {
                throw Failure(description: "\(script(peer)) is missing (pass --peer-scripts)")
            }
        }
    }

    private func python(_ peer: String) -> String { "\(environments)/\(peer)/bin/python" }
    private func script(_ peer: String) -> String { "\(scripts)/\(peer)_bench.py" }

    /// PgQueuer's drain: `processes` consumer processes fetching `batch` jobs at a time.
    func pgqueuerDrain(jobs: Int, processes: Int, batch: Int) async throws -> Double {
        try await withDatabase("erp_peer_pgqueuer") { url in
            try number(
                "jobsPerSecond",
                in: try run(
                    "pgqueuer",
                    ["drain", "--dsn", url, "--jobs", "\(jobs)", "--processes", "\(processes)", "--batch", "\(batch)"]))
        }
    }

    /// PgQueuer's idle latency, from before each enqueue call to its entrypoint starting.
    func pgqueuerLatency(jobs: Int) async throws -> JobBenchmark.Latency {
        try await withDatabase("erp_peer_pgqueuer") { url in
            let result = try run("pgqueuer", ["latency", "--dsn", url, "--jobs", "\(jobs)"])
            return JobBenchmark.Latency(
                p50Milliseconds: try number("p50Milliseconds", in: result),
                p99Milliseconds: try number("p99Milliseconds", in: result),
                maxMilliseconds: try number("maxMilliseconds", in: result))
        }
    }

    /// Makes `erp_peer_eventsourcing` and stores `events` events in it.
    func seedEventsourcing(events: Int) async throws {
        try await recreate("erp_peer_eventsourcing")
        _ = try run("eventsourcing", ["seed", "--dsn", url(of: "erp_peer_eventsourcing"), "--events", "\(events)"])
    }

    /// Events per second of a new eventsourcing projection catching up on the seeded log.
    /// Its sessions commit asynchronously, as ERPCore's projector sessions do.
    func eventsourcingCatchUp(run number: Int) async throws -> Double {
        try self.number(
            "eventsPerSecond",
            in: try run(
                "eventsourcing",
                ["catchup", "--dsn", url(of: "erp_peer_eventsourcing"), "--projection", "counting_run_\(number)"],
                environment: ["PGOPTIONS": "-c synchronous_commit=off"]))
    }

    /// Makes `erp_peer_tryton` with Tryton's stock module activated (a minute or more),
    /// the template each receipts run copies.
    func prepareTryton(in folder: String) async throws {
        try await recreate("erp_peer_tryton")
        let passwordFile = "\(folder)/tryton-admin-password"
        try "erp-bench-admin\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let status = try Subprocess.run(
            "\(environments)/tryton/bin/trytond-admin",
            [
                "-c", try trytonConfiguration(in: folder), "-d", "erp_peer_tryton", "--all", "-u", "stock",
                "--activate-dependencies", "--email", "admin@example.in",
            ],
            errorFile: "\(folder)/trytond-admin.log", environment: ["TRYTONPASSFILE": passwordFile])
        guard status == 0 else {
            throw Failure(description: "trytond-admin failed (exit \(status)); see \(folder)/trytond-admin.log")
        }
    }

    /// Incoming shipments of three lines per second, posted by `processes` Tryton processes
    /// for `seconds`, on a copy of the template.
    func trytonReceipts(processes: Int, seconds: Int, in folder: String) async throws -> Double {
        try await withDatabase("erp_peer_tryton_run", template: "erp_peer_tryton") { _ in
            let configuration = try trytonConfiguration(in: folder)
            let common = [
                "--config", configuration, "--database", "erp_peer_tryton_run", "--processes", "\(processes)",
            ]
            _ = try run("tryton", ["setup"] + common)
            return try number(
                "shipmentsPerSecond", in: try run("tryton", ["run"] + common + ["--seconds", "\(seconds)"]))
        }
    }

    /// A trytond configuration naming the peers' server.
    private func trytonConfiguration(in folder: String) throws -> String {
        let path = "\(folder)/trytond.conf"
        var uri = server.with(database: "").url
        uri = "postgresql" + uri.dropFirst("postgres".count)
        try "[database]\nuri = \(uri)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func url(of database: String) -> String { server.with(database: database).url }

    /// Runs a peer's script and returns the JSON object it printed last.
    private func run(_ peer: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> [String: Any]
    {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("erp-bench-\(peer)-\(UUID()).out")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = try Subprocess.run(
            python(peer), [script(peer)] + arguments, errorFile: nil, outputFile: output, environment: environment)
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(
                description: "\(peer) \(arguments.first ?? "") failed (exit \(status)): \(printed.suffix(500))")
        }
        guard let last = printed.split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else {
            throw Failure(
                description: "\(peer) \(arguments.first ?? "") printed no JSON result: \(printed.suffix(500))")
        }
        return object
    }

    private func number(_ key: String, in result: [String: Any]) throws -> Double {
        guard let value = result[key] as? Double ?? (result[key] as? Int).map(Double.init) else {
            throw Failure(description: "the peer's result has no \(key): \(result)")
        }
        return value
    }

    /// Runs `body` on a new database `name` (a copy of `template` when given), dropped afterwards.
    private func withDatabase<Result>(
        _ name: String, template: String? = nil, _ body: (String) async throws -> Result
    ) async throws -> Result {
        try await recreate(name, template: template)
        do {
            let result = try await body(url(of: name))
            try await drop(name)
            return result
        } catch {
            try? await drop(name)
            throw error
        }
    }

    private func recreate(_ name: String, template: String? = nil) async throws {
        try await drop(name)
        try await admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? "")),
                logger: logger)
        }
    }

    /// Drops `name` if it is there.
    func drop(_ name: String) async throws {
        try await admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    private func admin(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        try await Database(configuration: server, logger: logger).withConnection(as: "erp-bench-peers", body)
    }
}
