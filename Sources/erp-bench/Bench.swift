// `erp-bench`: the end-to-end event pipeline benchmark behind `make bench`.
import ArgumentParser
import CommandSupport
import ERPEvents
import ERPStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erp-bench",
        abstract:
            "Measure the event pipeline (latency, catch-up), goods receipts over HTTP against the same SQL in pgbench, and the job runner.",
        discussion: """
            Creates (and afterwards drops) a database named erp_bench on the server of \
            DATABASE_URL, migrates it, and runs each measurement --runs times:

              latency   writers insert rows into a table whose trigger records an event, \
            at a steady --rate events/s for --seconds; the time from each writer's COMMIT \
            acknowledgement until the projector's transaction holding that event committed; \
            then again with the writers in another process.
              catch-up  --backlog events already in the log; how fast one runner with a \
            minimal projector drains them.
              receipts  --clients concurrent clients post goods receipts of three lines for \
            --receipt-seconds: over HTTP to the API served in this process, by calling the \
            command handler directly (no HTTP), and as the same statements in a pgbench \
            script. The three run back to back in each run, so their ratio is measured on \
            the same machine state.
            Then `erp serve` (--erp) runs in its own process: its resident memory idle, and after \
            the same HTTP receipts posted to it.
              counter-sales  --clients concurrent clients each sell their own three products \
            over the counter, one unit each, FEFO, cash, for --receipt-seconds: over HTTP as a \
            signed-in cashier, by calling the command directly, and as the same statements in a \
            pgbench script with prepared statements.
              replay    a stock history of --replay-events events written by `erp seed`'s \
            generator; `erp replay stock_levels` from the start to the swap, beside one set-based \
            SQL statement computing the same on-hand totals (the ceiling).
              finance   a stock history of --finance-stock-events events and --open-invoices open \
            B2B invoices (over a million journal lines); the ledger projector rebuilt from the \
            start by the live runner; the trial balance and receivables aging read beside it; \
            then --clients clients posting customer receipts over HTTP as a signed-in accountant \
            for --receipt-seconds, all into the same bank account.
              jobs      --drain-jobs no-op jobs already enqueued; how fast a runner working \
            one queue at --job-concurrency drains them (claims and acknowledgements in \
            batches), then --job-runners runners side by side. Then --latency-jobs jobs enqueued one at a time into an idle runner: \
            the time from each enqueue's COMMIT until its handler starts.
              peers     only when named (--only peers; `make bench-peers` makes the Python \
            environments and two clusters): in turns, ERPCore and PgQueuer 1.6 draining \
            --drain-jobs jobs (2 runners, 2 processes × batch 500) and their idle job latency; \
            ERPCore and python eventsourcing 9.5 catching a projector up on --peer-events \
            events; ERPCore's HTTP goods receipts and Tryton 8.2's incoming shipments posted \
            by --tryton-processes processes through its own API. Prints each ratio.

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

    @Option(help: "Concurrent clients in the goods receipt runs.")
    var clients = 16

    @Option(
        help:
            "Concurrent pgbench clients in the event-cost runs: the receipt transaction with its event trigger on, then off."
    )
    var eventClients = 32

    @Option(help: "Length of each goods receipt run per path, in seconds (plus one second of warm-up).")
    var receiptSeconds = 10

    @Option(help: "No-op jobs enqueued before each drain run.")
    var drainJobs = 50_000

    @Option(help: "Jobs enqueued one at a time in each idle-latency run.")
    var latencyJobs = 1_000

    @Option(help: "Concurrency of the benchmarked queue in each runner: the most jobs it claims and runs at once.")
    var jobConcurrency = 500

    @Option(
        help:
            "Runners draining the queue side by side in the second drain of each run, as that many worker daemons would; the first drain has one."
    )
    var jobRunners = 2

    @Option(help: "Events in the stock history the replay runs rebuild from.")
    var replayEvents = 1_000_000

    @Option(help: "Events in the stock history the finance runs start from (about two journal lines each).")
    var financeStockEvents = 320_000

    @Option(help: "Open B2B invoices the finance runs add to it (four journal lines each).")
    var openInvoices = 100_000

    @Option(
        help: ArgumentHelp(
            "The pgbench executable; found on PATH or under /usr/lib/postgresql when absent.", valueName: "path"))
    var pgbench: String?

    @Option(
        help: ArgumentHelp(
            "The erp executable whose `serve` memory the receipts runs measure; the one beside erp-bench when absent.",
            valueName: "path"))
    var erp: String?

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case pipeline, receipts, jobs, replay, finance, peers
        case counterSales = "counter-sales"
    }

    @Option(
        help:
            "Run only this part: pipeline (latency and catch-up), receipts, counter-sales, jobs, replay, finance, or peers (which only runs when named: `make bench-peers`)."
    )
    var only: Suite?

    @Option(
        help: ArgumentHelp(
            "The folder of the peers' virtual environments (pgqueuer, eventsourcing, tryton), which `make bench-peers` makes.",
            valueName: "path"))
    var peers = ".build/peers"

    @Option(help: ArgumentHelp("The folder of the peers' Python scripts.", valueName: "path"))
    var peerScripts = "Sources/erp-bench/Peers"

    @Option(
        help: ArgumentHelp(
            "PostgreSQL URL of the server the peers' databases are made on; the same server as ERPCore's when absent.",
            valueName: "url"))
    var peerDatabaseURL: String?

    @Option(
        help: "Events in the log each side's catch-up drains in the peers runs (python eventsourcing's and ERPCore's).")
    var peerEvents = 20_000

    @Option(help: "Tryton processes posting incoming shipments side by side in the peers runs.")
    var trytonProcesses = 4

    @Flag(
        help:
            "Leave the erp_bench database in place afterwards, and the pgbench scripts in the current folder, for a look with psql or pgbench."
    )
    var keepDatabase = false

    /// Set only in the child process of the latency run whose writer is another process:
    /// write the rows from this `CLOCK_MONOTONIC` instant (nanoseconds) into DATABASE_URL's
    /// database and print each commit.
    @Option(help: .hidden)
    var latencyWriterStart: Int64?

    func validate() throws {
        guard rate > 0, seconds > 1, backlog > 0, runs > 0, writers > 0, clients > 0, receiptSeconds > 0 else {
            throw ValidationError(
                "--rate, --backlog, --runs, --writers, --clients and --receipt-seconds must be positive and --seconds at least 2"
            )
        }
        guard financeStockEvents > 0, openInvoices > 0 else {
            throw ValidationError("--finance-stock-events and --open-invoices must be positive")
        }
        guard replayEvents > 0, drainJobs > 0, latencyJobs > 0, (1...1000).contains(jobConcurrency),
            (1...8).contains(jobRunners)
        else {
            throw ValidationError(
                "--drain-jobs and --latency-jobs must be positive, --job-concurrency 1…1000 and --job-runners 1…8")
        }
    }

    func run() async throws {
        var logger = Logger(label: "erp.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("DATABASE_URL is not set (or pass --database-url); `make bench` provisions a server")
        }
        let server = try DatabaseConfiguration(url: url)
        if let start = latencyWriterStart {
            try await writeLatencyRows(
                from: start, into: Database(configuration: server, logger: logger), logger: logger)
            return
        }
        let pgbenchPath = pgbench ?? ReceiptBenchmark.findPgbench()
        if only == nil || only == .receipts || only == .counterSales, pgbenchPath == nil {
            throw ValidationError("pgbench not found: install PostgreSQL's server package or pass --pgbench")
        }
        var workspace = try await BenchDatabase.create(on: server, logger: logger)
        if keepDatabase { workspace.scriptsFolder = FileManager.default.currentDirectoryPath }
        do {
            var sections: [String] = []
            if only == nil || only == .pipeline { sections.append(try await pipeline(workspace, logger: logger)) }
            if only == nil || only == .receipts, let pgbenchPath {
                sections.append(try await receipts(workspace, pgbench: pgbenchPath, logger: logger))
            }
            if only == nil || only == .counterSales, let pgbenchPath {
                sections.append(try await counterSales(workspace, pgbench: pgbenchPath, logger: logger))
            }
            if only == nil || only == .jobs { sections.append(try await jobs(workspace, logger: logger)) }
            if only == nil || only == .replay { sections.append(try await replay(workspace, logger: logger)) }
            if only == .peers { sections.append(try await peersSection(workspace, logger: logger)) }
            if only == nil || only == .finance {
                // A database of its own: the replay's history would be in this one's ledger.
                try await workspace.drop()
                workspace = try await BenchDatabase.create(on: server, logger: logger)
                if keepDatabase { workspace.scriptsFolder = FileManager.default.currentDirectoryPath }
                sections.append(try await finance(workspace, logger: logger))
            }
            let version = try await workspace.serverVersion()
            print(header(serverVersion: version) + "\n\n" + sections.joined(separator: "\n\n"))
            if !keepDatabase { try await workspace.drop() }
        } catch {
            if error is PSQLError { progress("failed: \(String(reflecting: error))") }
            if !keepDatabase { try? await workspace.drop() }
            throw error
        }
    }

    /// The child of a latency run with the writer in another process: writes its rows and
    /// prints one line per commit (``LatencyBenchmark/Commit/line``) once they are all in.
    private func writeLatencyRows(from start: Int64, into database: Database, logger: Logger) async throws {
        let commits = Mutex<[LatencyBenchmark.Commit]>([])
        try await LatencyBenchmark.write(
            rate: rate, seconds: seconds, writers: writers, start: start, database: database, logger: logger
        ) { commit in commits.withLock { $0.append(commit) } }
        print(commits.withLock { $0.map(\.line).joined(separator: "\n") })
    }

    private func pipeline(_ workspace: BenchDatabase, logger: Logger) async throws -> String {
        var latencies: [LatencyBenchmark.Result] = []
        var unshared: [LatencyBenchmark.Result] = []
        var otherProcess: [LatencyBenchmark.Result] = []
        for run in 1...runs {
            // Shared and separate log reads take turns going first.
            for shares in run.isMultiple(of: 2) ? [false, true] : [true, false] {
                progress(
                    "latency run \(run)/\(runs): \(rate) events/s for \(seconds) s, \(shares ? "one shared log read" : "a log read per runner")"
                )
                var benchmark = LatencyBenchmark(
                    database: workspace.database, rate: rate, seconds: seconds, writers: writers, logger: logger)
                benchmark.sharesLogReads = shares
                if shares {
                    latencies.append(try await benchmark.run())
                } else {
                    unshared.append(try await benchmark.run())
                }
            }
            progress("latency run \(run)/\(runs): \(rate) events/s for \(seconds) s, the writer in another process")
            var benchmark = LatencyBenchmark(
                database: workspace.database, rate: rate, seconds: seconds, writers: writers, logger: logger)
            benchmark.writerExecutable = Bundle.main.executablePath ?? "/proc/self/exe"
            otherProcess.append(try await benchmark.run())
        }
        progress("writing a backlog of \(backlog) events")
        try await CatchUpBenchmark.writeBacklog(backlog, database: workspace.database, logger: logger)
        var throughputs: [Double] = []
        for run in 1...runs {
            progress("catch-up run \(run)/\(runs): draining \(backlog) events")
            let benchmark = CatchUpBenchmark(database: workspace.database, logger: logger)
            throughputs.append(try await benchmark.run(expecting: backlog))
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "commit→projected p50, ms", latencies.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "commit→projected p99, ms", latencies.map(\.p99Milliseconds), digits: 2, target: "≤ 3")
        addRow(to: &table, "commit→projected max, ms", latencies.map(\.maxMilliseconds), digits: 2)
        addRow(to: &table, "writer in another process: p50, ms", otherProcess.map(\.p50Milliseconds), digits: 2)
        addRow(
            to: &table, "writer in another process: p99, ms", otherProcess.map(\.p99Milliseconds), digits: 2,
            target: "≤ 5")
        addRow(to: &table, "each runner reading the log: p50, ms", unshared.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "each runner reading the log: p99, ms", unshared.map(\.p99Milliseconds), digits: 2)
        addRow(to: &table, "events committed per s", latencies.map(\.achievedRate), digits: 0, target: "\(rate)")
        addRow(to: &table, "catch-up, events/s", throughputs, digits: 0, target: "≥ 50000")
        return """
            Event pipeline — latency: \(rate) events/s for \(seconds) s per run over \(writers) writers, every production \
            projector and a probe, with the pipeline's one shared log read per wake-up (the first rows), in turns \
            with each runner reading the log itself, and with the writers in a process of their own (this \
            executable again; both sides time on CLOCK_MONOTONIC); catch-up: \(backlog)-event backlog, batch size 1000

            \(table.rendered)
            """
    }

    private func peersSection(_ workspace: BenchDatabase, logger: Logger) async throws -> String {
        let peerServer = try peerDatabaseURL.map { try DatabaseConfiguration(url: $0) } ?? workspace.server
        let peers = PeersBenchmark(environments: peers, scripts: peerScripts, server: peerServer, logger: logger)
        try peers.check()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("erp-bench-peers-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        progress("peers: Tryton's database with its stock module (trytond-admin; a minute or more)")
        try await peers.prepareTryton(in: folder)
        progress("peers: \(peerEvents) events into python eventsourcing's log, and into ERPCore's")
        try await peers.seedEventsourcing(events: peerEvents)
        try await CatchUpBenchmark.writeBacklog(peerEvents, database: workspace.database, logger: logger)
        let jobs = JobBenchmark(database: workspace.database, concurrency: jobConcurrency, logger: logger)
        let receipts = ReceiptBenchmark(workspace: workspace, clients: clients, seconds: receiptSeconds, logger: logger)
        let orders = try await receipts.prepare()
        var drains: (erp: [Double], peer: [Double]) = ([], [])
        var latencies: (erp: [JobBenchmark.Latency], peer: [JobBenchmark.Latency]) = ([], [])
        var catchUps: (erp: [Double], peer: [Double]) = ([], [])
        var goods: (erp: [Double], peer: [Double]) = ([], [])
        for run in 1...runs {
            // ERPCore goes first in odd runs, the peer in even ones.
            let erpFirst = !run.isMultiple(of: 2)
            func inTurn(_ erp: () async throws -> Void, _ peer: () async throws -> Void) async throws {
                if erpFirst {
                    try await erp()
                    try await peer()
                } else {
                    try await peer()
                    try await erp()
                }
            }
            let step = "peers run \(run)/\(runs)"
            try await inTurn(
                {
                    progress("\(step): ERPCore drains \(drainJobs) jobs with 2 runners")
                    drains.erp.append(try await jobs.drainOnceConnected(drainJobs, runners: 2))
                },
                {
                    progress("\(step): PgQueuer drains \(drainJobs) jobs with 2 processes × batch 500")
                    drains.peer.append(try await peers.pgqueuerDrain(jobs: drainJobs, processes: 2, batch: 500))
                })
            try await inTurn(
                {
                    progress("\(step): ERPCore idle job latency over \(latencyJobs) jobs")
                    latencies.erp.append(try await jobs.idleLatency(latencyJobs, fromBeforeEnqueue: true))
                },
                {
                    progress("\(step): PgQueuer idle job latency over \(latencyJobs) jobs")
                    latencies.peer.append(try await peers.pgqueuerLatency(jobs: latencyJobs))
                })
            try await inTurn(
                {
                    progress("\(step): ERPCore catches a projector up on \(peerEvents) events")
                    catchUps.erp.append(
                        try await CatchUpBenchmark(database: workspace.database, logger: logger).run(
                            expecting: peerEvents))
                },
                {
                    progress("\(step): python eventsourcing catches a projection up on \(peerEvents) events")
                    catchUps.peer.append(try await peers.eventsourcingCatchUp(run: run))
                })
            try await inTurn(
                {
                    progress("\(step): ERPCore goods receipts over HTTP, \(clients) clients for \(receiptSeconds) s")
                    goods.erp.append(try await receipts.runOverHTTP(orders).perSecond)
                },
                {
                    progress(
                        "\(step): Tryton incoming shipments, \(trytonProcesses) processes for \(receiptSeconds) s")
                    goods.peer.append(
                        try await peers.trytonReceipts(processes: trytonProcesses, seconds: receiptSeconds, in: folder))
                })
        }
        try await peers.drop("erp_peer_eventsourcing")
        try await peers.drop("erp_peer_tryton")
        func ratios(_ pair: (erp: [Double], peer: [Double])) -> [Double] {
            zip(pair.erp, pair.peer).map { $0 / max($1, 0.001) }
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "jobs drain, ERPCore 2 runners, jobs/s", drains.erp, digits: 0)
        addRow(to: &table, "jobs drain, PgQueuer 2 processes × batch 500, jobs/s", drains.peer, digits: 0)
        addRow(to: &table, "drain, ERPCore ÷ PgQueuer", ratios(drains), digits: 2, target: "≥ 2.5")
        addRow(to: &table, "idle job latency p50, ERPCore, ms", latencies.erp.map(\.p50Milliseconds), digits: 2)
        addRow(
            to: &table, "idle job latency p99, ERPCore, ms", latencies.erp.map(\.p99Milliseconds), digits: 2,
            target: "≤ 1")
        addRow(to: &table, "idle job latency p50, PgQueuer, ms", latencies.peer.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "idle job latency p99, PgQueuer, ms", latencies.peer.map(\.p99Milliseconds), digits: 2)
        addRow(to: &table, "catch-up, ERPCore, events/s", catchUps.erp, digits: 0)
        addRow(to: &table, "catch-up, python eventsourcing, events/s", catchUps.peer, digits: 0)
        addRow(to: &table, "catch-up, ERPCore ÷ eventsourcing", ratios(catchUps), digits: 1)
        addRow(to: &table, "goods receipts, ERPCore over HTTP, receipts/s", goods.erp, digits: 0)
        addRow(to: &table, "incoming shipments, Tryton in-process, shipments/s", goods.peer, digits: 1)
        addRow(to: &table, "receipts, ERPCore ÷ Tryton", ratios(goods), digits: 1, target: "≥ 100")
        return """
            Peers, side by side in each run, taking turns going first — jobs: \(drainJobs) no-op jobs enqueued in one \
            statement once the consumers are connected, until all are done (ERPCore: 2 runners at concurrency \
            \(jobConcurrency); PgQueuer 1.6: 2 processes, batch 500), then \(latencyJobs) jobs one at a time into an idle \
            consumer, timed from before the enqueue call; catch-up: a projector from an empty checkpoint through \
            \(peerEvents) events (ERPCore: batches of 1000, one UPDATE each; eventsourcing 9.5: its ProjectionRunner, one \
            tracking row per event; both sessions commit asynchronously); goods receipts of 3 lines: \(clients) HTTP \
            clients against Tryton 8.2's incoming shipments (create, receive, done; no lots) posted by \(trytonProcesses) \
            processes through its own API, no HTTP, \(receiptSeconds) s each. ERPCore on \(workspace.server.redactedURL), \
            the peers on \(peerServer.with(database: "…").redactedURL)

            \(table.rendered)
            """
    }

    private func jobs(_ workspace: BenchDatabase, logger: Logger) async throws -> String {
        let benchmark = JobBenchmark(database: workspace.database, concurrency: jobConcurrency, logger: logger)
        var drains: [Double] = []
        var parallelDrains: [Double] = []
        var latencies: [JobBenchmark.Latency] = []
        for run in 1...runs {
            progress("jobs run \(run)/\(runs): draining \(drainJobs) no-op jobs with one runner")
            drains.append(try await benchmark.drain(drainJobs, runners: 1))
            if jobRunners > 1 {
                progress("jobs run \(run)/\(runs): draining \(drainJobs) no-op jobs with \(jobRunners) runners")
                parallelDrains.append(try await benchmark.drain(drainJobs, runners: jobRunners))
            }
            progress("jobs run \(run)/\(runs): idle latency over \(latencyJobs) jobs")
            latencies.append(try await benchmark.idleLatency(latencyJobs))
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "drain, 1 runner, jobs/s", drains, digits: 0, target: "≥ 30000")
        if jobRunners > 1 {
            addRow(to: &table, "drain, \(jobRunners) runners, jobs/s", parallelDrains, digits: 0, target: "≥ 30000")
        }
        addRow(to: &table, "idle enqueue→start p50, ms", latencies.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "idle enqueue→start p99, ms", latencies.map(\.p99Milliseconds), digits: 2, target: "≤ 2")
        addRow(to: &table, "idle enqueue→start max, ms", latencies.map(\.maxMilliseconds), digits: 2)
        let drainers =
            jobRunners > 1
            ? "by one runner, then by \(jobRunners) side by side (as that many worker daemons)" : "by one runner"
        return """
            Job runner — drain: \(drainJobs) pre-enqueued no-op jobs \(drainers), \
            queue concurrency \(jobConcurrency) in each; \
            idle latency: \(latencyJobs) sequential jobs, table vacuumed first; server defaults (fsync, synchronous_commit on; worker sessions commit asynchronously)

            \(table.rendered)
            """
    }

    private func replay(_ workspace: BenchDatabase, logger: Logger) async throws -> String {
        let benchmark = ReplayBenchmark(database: workspace.database, logger: logger)
        progress("seeding a stock history of \(replayEvents) events")
        let seeded = try await benchmark.seed(replayEvents)
        var replays: [Double] = []
        var ceilings: [Double] = []
        for run in 1...runs {
            progress("replay run \(run)/\(runs): rebuilding stock_levels")
            replays.append(try await benchmark.replay())
            progress("replay run \(run)/\(runs): the set-based SQL ceiling")
            ceilings.append(try await benchmark.setBasedCeiling())
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "replay stock_levels, events/s", replays, digits: 0, target: "≥ 100000")
        addRow(to: &table, "one SQL statement, events/s", ceilings, digits: 0)
        addRow(to: &table, "replay ÷ SQL", zip(replays, ceilings).map { $0 / max($1, 1) }, digits: 2)
        return """
            Replay — `erp replay stock_levels` over \(seeded) seeded events (receipts, issues, transfers, adjustments), \
            from the start of the log to the swap, beside INSERT … SELECT … GROUP BY over the same movements

            \(table.rendered)
            """
    }

    private func finance(_ workspace: BenchDatabase, logger: Logger) async throws -> String {
        let benchmark = FinanceBenchmark(
            workspace: workspace, clients: clients, seconds: receiptSeconds, logger: logger)
        progress("seeding \(financeStockEvents) stock events and \(openInvoices) open invoices")
        let history = try await benchmark.seed(stockEvents: financeStockEvents, invoices: openInvoices)
        var catchUps: [Double] = []
        var lines = 0
        var balances: [Double] = []
        var balancesMax: [Double] = []
        var agings: [Double] = []
        var agingsMax: [Double] = []
        var open = 0
        var receipts: [LoadResult] = []
        for run in 1...runs {
            progress("finance run \(run)/\(runs): the ledger rebuilt from \(history.events) events")
            let (posted, perSecond) = try await benchmark.catchUp()
            lines = posted
            catchUps.append(perSecond)
            progress("finance run \(run)/\(runs): trial balance and receivables aging, 10 reads each")
            let reports = try await benchmark.reports(times: 10)
            balances.append(median(reports.trialBalance))
            balancesMax.append(reports.trialBalance.max() ?? 0)
            agings.append(median(reports.aging))
            agingsMax.append(reports.aging.max() ?? 0)
            open = reports.openInvoices
            progress(
                "finance run \(run)/\(runs): customer receipts over HTTP, \(clients) clients for \(receiptSeconds) s")
            receipts.append(try await benchmark.receiptsOverHTTP(history))
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "ledger catch-up, journal lines/s", catchUps, digits: 0, target: "≥ 100000")
        addRow(to: &table, "trial balance, median ms", balances, digits: 1, target: "≤ 50")
        addRow(to: &table, "trial balance, slowest ms", balancesMax, digits: 1)
        addRow(to: &table, "receivables aging, median ms", agings, digits: 0, target: "≤ 500")
        addRow(to: &table, "receivables aging, slowest ms", agingsMax, digits: 0)
        addRow(to: &table, "HTTP receipts/s, one bank account", receipts.map(\.perSecond), digits: 0, target: "≥ 300")
        addRow(to: &table, "HTTP p50, ms", receipts.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "HTTP p99, ms", receipts.map(\.p99Milliseconds), digits: 2)
        return """
            Finance — \(history.events) events (a stock history and \(history.invoices) B2B invoices), \(lines) journal lines, \
            \(open) open invoices; the ledger rebuilt by the live runner (batches of 1000); each report read 10 times on one \
            connection (no HTTP); then \(clients) clients posting ₹1 receipts by bank transfer into Bank (1201), each settling \
            its own customer's invoices in turn, \(receiptSeconds) s per run

            \(table.rendered)
            """
    }

    private func receipts(_ workspace: BenchDatabase, pgbench: String, logger: Logger) async throws -> String {
        let benchmark = ReceiptBenchmark(
            workspace: workspace, clients: clients, seconds: receiptSeconds, logger: logger)
        let eventCost = ReceiptBenchmark(
            workspace: workspace, clients: eventClients, seconds: receiptSeconds, logger: logger)
        let orders = try await ReceiptBenchmark(
            workspace: workspace, clients: max(clients, eventClients), seconds: receiptSeconds, logger: logger
        ).prepare()
        var eventsOn: [ReceiptBenchmark.Result] = []
        var eventsOff: [ReceiptBenchmark.Result] = []
        var payload: [(perDocument: Double, perLine: Double)] = []
        var serve: [ServeMemory] = []
        let erpPath =
            erp
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("erp")
            .path
        guard FileManager.default.isExecutableFile(atPath: erpPath) else {
            throw ValidationError("\(erpPath) is not an executable: build the erp product too, or pass --erp")
        }
        var http: [ReceiptBenchmark.Result] = []
        var unchecked: [ReceiptBenchmark.Result] = []
        var direct: [ReceiptBenchmark.Result] = []
        var sql: [ReceiptBenchmark.QueryProtocol: [ReceiptBenchmark.Result]] = [:]
        for run in 1...runs {
            // The two HTTP paths take turns going first, so that neither always gets the
            // warmer (or the colder) machine.
            let order: [ReceiptBenchmark.Credentials] =
                run.isMultiple(of: 2) ? [.unchecked, .signedIn] : [.signedIn, .unchecked]
            for credentials in order {
                progress(
                    "receipts run \(run)/\(runs): HTTP, \(credentials), \(clients) clients for \(receiptSeconds) s")
                let result = try await benchmark.runOverHTTP(orders, credentials: credentials)
                if credentials == .signedIn { http.append(result) } else { unchecked.append(result) }
            }
            progress("receipts run \(run)/\(runs): command without HTTP")
            direct.append(try await benchmark.runCommandDirectly(orders))
            for queryProtocol in ReceiptBenchmark.QueryProtocol.allCases {
                progress("receipts run \(run)/\(runs): pgbench, \(queryProtocol) protocol")
                sql[queryProtocol, default: []].append(
                    try await benchmark.runPgbench(orders, pgbench: pgbench, protocol: queryProtocol))
            }
            // Events on and off take turns going first too.
            for events in run.isMultiple(of: 2) ? [false, true] : [true, false] {
                progress(
                    "receipts run \(run)/\(runs): pgbench, prepared, \(eventClients) clients, events \(events ? "on" : "off")"
                )
                let result = try await eventCost.runPgbench(orders, pgbench: pgbench, events: events)
                if events { eventsOn.append(result) } else { eventsOff.append(result) }
            }
            payload.append(try await benchmark.payloadCost())
            progress("receipts run \(run)/\(runs): erp serve in its own process, memory idle and under HTTP receipts")
            serve.append(try await benchmark.measureServeMemory(orders, erp: erpPath))
        }
        let simple = sql[.simple, default: []]
        let prepared = sql[.prepared, default: []]
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "HTTP receipts/s (signed in)", http.map(\.perSecond), digits: 0)
        addRow(to: &table, "HTTP, credential not checked, receipts/s", unchecked.map(\.perSecond), digits: 0)
        addRow(
            to: &table, "authentication cost, %",
            zip(http, unchecked).map { 100 * (1 - $0.perSecond / max($1.perSecond, 1)) }, digits: 1, target: "< 5")
        addRow(to: &table, "HTTP p50, ms", http.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "HTTP p99, ms", http.map(\.p99Milliseconds), digits: 2)
        addRow(to: &table, "command, no HTTP, receipts/s", direct.map(\.perSecond), digits: 0)
        addRow(to: &table, "pgbench (same SQL) receipts/s", simple.map(\.perSecond), digits: 0)
        addRow(to: &table, "pgbench p50, ms", simple.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "pgbench p99, ms", simple.map(\.p99Milliseconds), digits: 2)
        addRow(
            to: &table, "pgbench, extended protocol, receipts/s", sql[.extended, default: []].map(\.perSecond),
            digits: 0)
        addRow(to: &table, "pgbench, prepared, receipts/s", prepared.map(\.perSecond), digits: 0)
        addRow(
            to: &table, "HTTP ÷ pgbench", zip(http, simple).map { $0.perSecond / max($1.perSecond, 1) }, digits: 2,
            target: "≥ 0.50")
        addRow(
            to: &table, "HTTP ÷ pgbench prepared", zip(http, prepared).map { $0.perSecond / max($1.perSecond, 1) },
            digits: 2, target: "≥ 0.80")
        addRow(
            to: &table, "pgbench prepared, \(eventClients) clients, events on, receipts/s", eventsOn.map(\.perSecond),
            digits: 0)
        addRow(to: &table, "the same, event trigger off, receipts/s", eventsOff.map(\.perSecond), digits: 0)
        addRow(
            to: &table, "events on ÷ off", zip(eventsOn, eventsOff).map { $0.perSecond / max($1.perSecond, 1) },
            digits: 2, target: "≥ 0.95")
        addRow(to: &table, "event payload build, µs per receipt", payload.map(\.perDocument), digits: 1)
        addRow(to: &table, "event payload build, µs per line", payload.map(\.perLine), digits: 1)
        addRow(to: &table, "erp serve resident memory idle, MiB", serve.map(\.idle), digits: 1, target: "≤ 64")
        addRow(
            to: &table, "erp serve resident after HTTP receipts, MiB", serve.map(\.afterLoad), digits: 1,
            target: "≤ 160")
        addRow(to: &table, "erp serve resident peak, MiB", serve.map(\.peak), digits: 1)
        addRow(to: &table, "HTTP receipts/s to erp serve (own process)", serve.map(\.load.perSecond), digits: 0)
        return """
            Goods receipts of 3 lines — \(clients) concurrent clients, \(receiptSeconds) s per path per run (HTTP, the command without HTTP, \
            pgbench with its default simple protocol, with the extended protocol PostgresNIO uses, and with prepared statements); \
            then pgbench with prepared statements at \(eventClients) clients with the receipt's event trigger on and off, and the \
            payload function timed over the receipts posted (one statement, up to 5,000 receipts); then `erp serve` started in \
            its own process (API, pipeline, job runner): its resident memory 2 s after it serves, and after \(receiptSeconds) s of \
            the same HTTP receipts

            \(table.rendered)
            """
    }

    private func counterSales(_ workspace: BenchDatabase, pgbench: String, logger: Logger) async throws -> String {
        let benchmark = CounterSaleBenchmark(
            workspace: workspace, clients: clients, seconds: receiptSeconds, logger: logger)
        let shop = try await benchmark.prepare()
        var http: [LoadResult] = []
        var direct: [LoadResult] = []
        var prepared: [LoadResult] = []
        for run in 1...runs {
            progress(
                "counter sales run \(run)/\(runs): HTTP, signed in as a cashier, \(clients) clients for \(receiptSeconds) s"
            )
            http.append(try await benchmark.runOverHTTP(shop))
            progress("counter sales run \(run)/\(runs): command without HTTP")
            direct.append(try await benchmark.runCommandDirectly(shop))
            progress("counter sales run \(run)/\(runs): pgbench, prepared protocol")
            prepared.append(try await benchmark.runPgbench(shop, pgbench: pgbench))
        }
        var table = TextTable(columns: ["measurement"] + (1...runs).map { "run \($0)" } + ["median", "target"])
        addRow(to: &table, "HTTP counter sales/s", http.map(\.perSecond), digits: 0, target: "≥ 250")
        addRow(to: &table, "HTTP p50, ms", http.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "HTTP p99, ms", http.map(\.p99Milliseconds), digits: 2)
        addRow(to: &table, "command, no HTTP, sales/s", direct.map(\.perSecond), digits: 0)
        addRow(to: &table, "pgbench prepared (same SQL), sales/s", prepared.map(\.perSecond), digits: 0)
        addRow(to: &table, "pgbench p50, ms", prepared.map(\.p50Milliseconds), digits: 2)
        addRow(to: &table, "pgbench p99, ms", prepared.map(\.p99Milliseconds), digits: 2)
        addRow(
            to: &table, "HTTP ÷ pgbench prepared", zip(http, prepared).map { $0.perSecond / max($1.perSecond, 1) },
            digits: 2, target: "≥ 0.60")
        return """
            Counter sales of 3 lines (FEFO, cash) — \(clients) concurrent clients, each selling its own products, \(receiptSeconds) s \
            per path per run (HTTP as a signed-in cashier, the command without HTTP, the same SQL in pgbench with prepared statements)

            \(table.rendered)
            """
    }

    private func header(serverVersion: String) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let date = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
        return
            "ERPCore benchmark — \(date), \(cores) cores, \(String(format: "%.0f", memory)) GiB, PostgreSQL \(serverVersion)"
    }

    private func addRow(to table: inout TextTable, _ name: String, _ values: [Double], digits: Int, target: String = "")
    {
        table.add(
            [name] + values.map { format($0, digits: digits) } + [format(median(values), digits: digits), target])
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
