// Progress of long work on standard error: a bar on a terminal, periodic lines otherwise.
import ERPStore
import Foundation
import Synchronization

/// Shows the progress of long work (a replay, a seed) on standard error, so standard
/// output keeps only results.
///
/// On a terminal it redraws one line (bar, events, events/s, time left) up to ten times a
/// second; into a file or a pipe it writes a plain line every five seconds.
final class ProgressReporter: Sendable {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// Shows `done` of `total` events of `subject`, `elapsed` after it started, when due.
    func report(_ subject: String, done: Int64, total: Int64, elapsed: Duration) {
        let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
        let due = last.withLock { last in
            let now = ContinuousClock.now
            if let shown = last, now - shown < interval { return false }
            last = now
            return true
        }
        guard due else { return }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let rate = elapsed > .zero ? Double(done) / elapsed.inSeconds : 0
        let figures =
            "\(done)/\(total) events, \(Int(rate)) events/s, "
            + (rate > 0 && total >= done
                ? "about \(Self.format(.seconds(Double(total - done) / rate))) left" : "time left unknown")
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r\u{1B}[K\(subject) [\(bar)] \(Int(fraction * 100))% \(figures)")
        } else {
            write("\(subject): \(Int(fraction * 100))% \(figures)\n")
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
        return seconds >= 3600
            ? "\(seconds / 3600) h \(seconds % 3600 / 60) min"
            : seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
    }
}
