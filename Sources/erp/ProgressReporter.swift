// Progress of long work on standard error: a bar on a terminal, periodic lines otherwise.
import ERPEvents
import Foundation
import Synchronization

/// Shows a replay's progress on standard error, so standard output keeps only results.
///
/// On a terminal it redraws one line (bar, events, events/s, time left) up to ten times a
/// second; into a file or a pipe it writes a plain line every five seconds.
final class ProgressReporter: Sendable {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    func report(_ progress: ProjectionReplay.Progress) {
        let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
        let due = last.withLock { last in
            let now = ContinuousClock.now
            if let shown = last, now - shown < interval { return false }
            last = now
            return true
        }
        guard due else { return }
        let fraction = progress.total > 0 ? min(1, Double(progress.done) / Double(progress.total)) : 1
        let figures = "\(progress.done)/\(progress.total) events, \(Int(progress.rate)) events/s, "
            + (progress.remaining.map { "about \(Self.format($0)) left" } ?? "time left unknown")
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r\u{1B}[K\(progress.projector) [\(bar)] \(Int(fraction * 100))% \(figures)")
        } else {
            write("\(progress.projector): \(Int(fraction * 100))% \(figures)\n")
        }
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if isTerminal, last.withLock({ $0 }) != nil { write("\r\u{1B}[K") }
        last.withLock { $0 = nil }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds >= 3600 ? "\(seconds / 3600) h \(seconds % 3600 / 60) min"
            : seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
    }
}
