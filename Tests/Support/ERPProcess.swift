// Runs the real `erp` binary as a child process.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
public import Foundation
import Inventory
import MasterData
import Notifications
import Purchasing

/// An `erp` child process, with its standard output and error.
public struct ERPProcess: Sendable {
    /// The process.
    public let process: Process
    /// Its standard output.
    public let output: Pipe
    /// Its standard error.
    public let errors: Pipe

    /// The `erp` binary `make test` built (ERP_BINARY), else the one beside the test bundle.
    public static var binary: URL {
        get throws {
            if let path = ProcessInfo.processInfo.environment["ERP_BINARY"] {
                return URL(fileURLWithPath: path)
            }
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(
                path: "erp")
            guard FileManager.default.isExecutableFile(atPath: beside.path) else {
                throw SetupError("the erp binary was not found: run `make test` (or set ERP_BINARY)")
            }
            return beside
        }
    }

    /// Starts `erp ARGUMENTS` with `environment` added to this process's environment, and
    /// `input` as its standard input (none: an empty one).
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> ERPProcess {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // A pipe only when there is input: an unused one stayed open in this process.
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        return ERPProcess(process: process, output: output, errors: errors)
    }

    /// Runs `erp ARGUMENTS` to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil)
        async throws -> (status: Int32, output: String, errors: String)
    {
        let child = try start(arguments, environment: environment, input: input)
        let (output, errors) = await (child.readOutput(), child.readErrors())
        try await child.waitForExit(timeout: .seconds(60))
        return (child.process.terminationStatus, output, errors)
    }

    /// Everything it wrote to standard output, once it has closed it (read it once).
    public func readOutput() async -> String {
        await Self.readToEnd(output)
    }

    /// Everything it wrote to standard error, once it has closed it (read it once).
    public func readErrors() async -> String {
        await Self.readToEnd(errors)
    }

    /// Reads until the child closes the pipe, on a thread of its own: a blocking read on
    /// the cooperative pool (two threads on a 2-core machine) would stall other tests.
    private static func readToEnd(_ pipe: Pipe) async -> String {
        let handle = pipe.fileHandleForReading
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = handle.readDataToEndOfFile()
                // Closed once read: a test run starts hundreds of processes, and each read
                // end left open is a descriptor every later child may inherit.
                try? handle.close()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// Sends it `signal`.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end; kills it and throws when `timeout` passes first.
    public func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                throw SetupError("erp did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
