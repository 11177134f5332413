// Runs real job runners against a test database for the length of a test body.
import ERPApp
import ERPEvents
public import ERPJobs
import ERPKernel
import ERPPlatform
import ERPStore
import Foundation
import Inventory
public import Logging
import MasterData
import Notifications
import Purchasing
import ServiceLifecycle
import Synchronization

/// A handler for tests: records each attempt and does what `work` says.
public struct TestHandler: JobHandler {
    /// The kind of job it runs.
    public let kind: String
    /// How long an attempt may run.
    public var timeout: Duration = .seconds(30)
    /// What an attempt does.
    public let work: @Sendable (ClaimedJob) async throws -> Void

    /// A handler of `kind` that runs `work`.
    public init(
        kind: String, timeout: Duration = .seconds(30), work: @escaping @Sendable (ClaimedJob) async throws -> Void
    ) {
        self.kind = kind
        self.timeout = timeout
        self.work = work
    }

    /// Runs one attempt of the job.
    public func perform(_ job: ClaimedJob, logger: Logger) async throws {
        try await work(job)
    }
}

extension TestDatabase {
    /// Starts one runner per configuration, runs `body`, then shuts the runners down
    /// gracefully (SIGTERM's path) and waits for them to stop.
    public func withRunners<Result: Sendable>(
        _ configurations: [JobRunner.Configuration],
        handlers: [any JobHandler],
        _ body: () async throws -> Result
    ) async throws -> Result {
        let groups = configurations.map { configuration in
            ServiceGroup(
                services: [
                    JobRunner(handlers: handlers, database: database, configuration: configuration, logger: logger)
                ],
                logger: logger
            )
        }
        return try await withThrowingTaskGroup(of: Void.self) { running in
            for group in groups {
                running.addTask { try await group.run() }
            }
            do {
                let result = try await body()
                for group in groups { await group.triggerGracefulShutdown() }
                try await running.waitForAll()
                return result
            } catch {
                running.cancelAll()
                throw error
            }
        }
    }
}
