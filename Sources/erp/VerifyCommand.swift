// `erp verify`: prove the read models match the log and the write model.
import ArgumentParser
import ERPApp
import ERPEvents
import ERPPlatform
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the invariants between the event log, the write model and the read models.",
        discussion: """
            Every check runs in one read-only snapshot: stock levels projected = the sum of movement \
            events up to the projector's checkpoint; write-model stock on hand = the sum of all movement \
            events; projected = write model when the projector has caught up; per-warehouse totals = \
            the sum of their batches; no on hand below zero; every checkpoint an event of the log; no \
            event of an unknown type. Exits 1 when any breach is found, printing each.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Option(help: ArgumentHelp("Breaches listed per check (all are counted).", valueName: "n"))
    var limit = 20

    @Flag(help: "Print JSON: per check, name, statement, breaches, breachCount, note.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1…10000") }
    }

    func run() async throws {
        let findings = try await options.withConnection(label: "erp.verify") { connection, logger in
            try await Invariant.verify(Modules.list().invariants(), limit: limit, on: connection, logger: logger)
        }
        if json {
            try printJSON(findings)
        } else {
            for finding in findings {
                let verdict = finding.holds ? "ok    " : "BREACH"
                print("\(verdict) \(finding.name): \(finding.statement)")
                if let note = finding.note { print("       note: \(note)") }
                for breach in finding.breaches { print("       \(breach)") }
                if finding.breaches.count < finding.breachCount {
                    print("       … and \(finding.breachCount - finding.breaches.count) more (--limit N lists more)")
                }
            }
            let breached = findings.filter { !$0.holds }
            print(
                breached.isEmpty
                    ? "all \(findings.count) invariants hold"
                    : "\(breached.count) of \(findings.count) invariants breached")
        }
        if findings.contains(where: { !$0.holds }) { throw ExitCode.failure }
    }
}
