// `erp replay`: rebuild read models from the event log beside the live ones, then swap.
import ArgumentParser
import CommandSupport
import ERPApp
import ERPEvents
import ERPPlatform
import ERPStore
import Foundation
import UnixSignals

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projector's read model from the event log, with no downtime.",
        discussion: """
            The rebuild is written into fresh copies of the projector's tables while the live read \
            model keeps serving and keeping up; at the head of the log one transaction swaps the \
            copies in and moves the checkpoint. Nothing is sent twice: the copies have no triggers \
            while they are built (no notification is delivered again), and get the live tables' \
            triggers when they are swapped in.

            --dry-run rebuilds up to the live checkpoint and prints how the result differs from the \
            live read model, row by row, then drops the copies; it exits 1 when they differ.

            Ctrl-C or SIGTERM stops a replay cleanly: the live read model is untouched and the next \
            replay starts over. Progress goes to standard error: a bar on a terminal, a line every \
            five seconds otherwise. Projectors: \(Modules.list().projectors().map(\.name).joined(separator: ", ")).
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Argument(help: "The projector to rebuild, as `erp projections status` shows it.")
    var projector: String?

    @Flag(help: "Rebuild every projector, one after another.")
    var all = false

    @Flag(help: "Rebuild the projectors whose read model was built by an older code version.")
    var outdated = false

    @Option(
        help: ArgumentHelp(
            "Build from this event position on instead of the start of the log: the fresh tables then hold only what those events build.",
            valueName: "position"
        ))
    var from: Int64?

    @Flag(help: "Compare the rebuild with the live read model instead of swapping it in.")
    var dryRun = false

    @Option(help: ArgumentHelp("Differences a dry run lists (all are counted).", valueName: "n"))
    var differences = 20

    @Option(help: ArgumentHelp("Events per transaction while building.", valueName: "n"))
    var batchSize = 10_000

    @Flag(help: "Print JSON: projector, mode, events, applied, checkpoint, seconds, differences, differenceCount.")
    var json = false

    func validate() throws {
        guard [projector != nil, all, outdated].filter({ $0 }).count == 1 else {
            throw ValidationError("name one projector, or pass --all or --outdated")
        }
        if from != nil, projector == nil { throw ValidationError("--from applies to one projector") }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1…100000") }
        guard (0...10_000).contains(differences) else { throw ValidationError("--differences must be 0…10000") }
    }

    /// The replay was stopped by a signal.
    struct Interrupted: Error {}

    func run() async throws {
        let database = try options.database(label: "erp.replay")
        let control = ProjectionControl(projectors: Modules.list().projectors(), logger: database.logger)
        let reporter = ProgressReporter()
        let configuration = ProjectionReplay.Configuration(batchSize: batchSize, differenceLimit: differences)
        let outcomes: [ProjectionReplay.Outcome] = try await reportingFailure(database) {
            let chosen = try await choose(control, database)
            if chosen.isEmpty {
                if !json { print("every projector's read model was built by its current code version") }
                return []
            }
            return try await interruptible {
                var outcomes: [ProjectionReplay.Outcome] = []
                for projector in chosen {
                    let replay = ProjectionReplay(
                        projector: projector, database: database, configuration: configuration, logger: database.logger)
                    let outcome = try await replay.run(dryRun: dryRun, from: from) {
                        reporter.report($0.projector, done: $0.done, total: $0.total, elapsed: $0.elapsed)
                    }
                    reporter.finish()
                    if !json { describe(outcome) }
                    outcomes.append(outcome)
                }
                return outcomes
            } onInterrupt: {
                reporter.finish()
            }
        }
        if json {
            if projector != nil, let outcome = outcomes.first {
                try printJSON(outcome)
            } else {
                try printJSON(outcomes)
            }
        }
        if outcomes.contains(where: { $0.differenceCount > 0 }) { throw ExitCode.failure }
    }

    private func choose(_ control: ProjectionControl, _ database: Database) async throws -> [any Projector] {
        if let projector { return [try control.projector(named: projector)] }
        if all { return control.projectors.filter { !$0.tables.isEmpty } }
        let behind = try await database.withConnection(as: "erp-cli") { connection in
            try await control.status(on: connection).filter(\.isBehindCode).map(\.name)
        }
        return control.projectors.filter { behind.contains($0.name) }
    }

    private func describe(_ outcome: ProjectionReplay.Outcome) {
        let rate = outcome.seconds > 0 ? Int(Double(outcome.events) / outcome.seconds) : 0
        let figures =
            "\(outcome.events) events (\(outcome.applied) applied) in \(String(format: "%.1f", outcome.seconds)) s, \(rate) events/s"
        guard outcome.mode == "dry-run" else {
            print("\(outcome.projector): rebuilt and swapped in at \(outcome.checkpoint): \(figures)")
            return
        }
        guard outcome.differenceCount > 0 else {
            print("\(outcome.projector): the rebuild matches the live read model at \(outcome.checkpoint): \(figures)")
            return
        }
        print(
            "\(outcome.projector): \(outcome.differenceCount) rows differ from the live read model at \(outcome.checkpoint) (\(figures))"
        )
        var table = TextTable(columns: ["TABLE", "KEY", "LIVE", "REBUILT"])
        for difference in outcome.differences {
            table.add([
                difference.table, difference.key, difference.live ?? "(missing)", difference.rebuilt ?? "(missing)",
            ])
        }
        print(table.rendered, terminator: "")
        if outcome.differences.count < outcome.differenceCount {
            print("… and \(outcome.differenceCount - outcome.differences.count) more (--differences N lists more)")
        }
    }
}

/// Runs `body` until it returns or SIGINT/SIGTERM arrives; on a signal, cancels it, waits
/// for it to clean up and exits with status 130.
func interruptible<Result: Sendable>(
    _ body: @escaping @Sendable () async throws -> Result, onInterrupt: @Sendable () -> Void
) async throws -> Result {
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let result = try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            for await _ in signals { return nil }
            return nil
        }
        defer { group.cancelAll() }
        // The body finishes first unless a signal (or the end of the signal sequence) does.
        guard let first = try await group.next(), let result = first else {
            group.cancelAll()
            // The replay drops its copies as it stops. Should that hang (a query on a
            // connection the server dropped is never answered by PostgresNIO 1.33), exit
            // anyway: the server rolls back and unlocks with the session, and the next
            // replay drops the copies.
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
                printError("interrupted; cleaning up took over 10 s, exiting (the next replay drops the copies)")
                exit(130)
            }
            while true {
                do {
                    guard try await group.next() != nil else { break }
                } catch {
                    continue
                }
            }
            return Result?.none
        }
        return result
    }
    guard let result else {
        onInterrupt()
        printError("interrupted; the live read model is untouched and the next replay starts over")
        throw ExitCode(130)
    }
    return result
}
