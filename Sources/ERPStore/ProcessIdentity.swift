// Who this process is, as other processes and operators see it.
import Foundation

/// The host and process id of this process, for lock holders and connection names.
public enum ProcessIdentity {
    /// The host name up to its first dot.
    public static let host: String =
        ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
    /// This process's id.
    public static let pid = ProcessInfo.processInfo.processIdentifier
    /// `host pid N`, as `erp projections status` shows a holder.
    public static var description: String { "\(host) pid \(pid)" }
}
