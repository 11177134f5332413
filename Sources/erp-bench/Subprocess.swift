// Starting a tool (pgbench, a peer's Python) with no signals blocked.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an executable and waits for it.
///
/// Foundation's `Process` passes on the spawning thread's blocked-signal mask, and the
/// threads of a Swift process block SIGALRM: pgbench's `--time` is an alarm, so under
/// `Process` it never ends. This spawns with an empty mask and default handlers.
enum Subprocess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `path` with `arguments`, standard output written to `outputFile` (discarded
    /// when `nil`) and standard error to `errorFile` (this process's when `nil`), with
    /// `environment` added to this process's.
    ///
    /// - Returns: The exit status.
    static func run(
        _ path: String, _ arguments: [String], errorFile: String?, outputFile: String? = nil,
        environment: [String: String] = [:]
    ) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        if let outputFile {
            posix_spawn_file_actions_addopen(&files, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0)
        }
        if let errorFile {
            posix_spawn_file_actions_addopen(&files, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { _, added in added }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &files, &attributes, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "could not start \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw Failure(description: "waiting for \(path): \(String(cString: strerror(errno)))")
            }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
