// /api/v1/jobs: what operators and monitoring see of the background jobs.
import ERPJobs
import ERPStore
import Foundation
import Hummingbird
import PostgresNIO

extension Permission {
    /// Reading the job queues' statistics.
    public static let jobsRead = Permission("jobs.read")
}

/// `GET /api/v1/jobs/stats`: every queue's figures.
struct JobStatistics: Encodable, Sendable {
    var queues: [QueueStatistics]
}

/// What the OpenAPI document says `GET /api/v1/jobs/stats` answers.
struct JobStatisticsDocument: Decodable, Sendable {
    var queues: [QueueStatistics]
}

/// Routes that report on the job queues.
struct JobRoutes {
    let client: PostgresClient
    let queues: [String]

    func register(on api: APIRoutes) {
        let client = client
        // {"queues": [{"queue", "pending", "running", "scheduled", "dead", "oldestPendingSeconds"}]}
        let queues = queues
        api.get(
            "jobs/stats", permission: .jobsRead, doc: .reads("Every job queue's figures", JobStatisticsDocument.self)
        ) { _, context in
            let statistics = try await client.withLiveConnection { connection in
                try await JobAdmin.statistics(on: connection, known: queues, logger: context.logger)
            }
            return JSONResponse(JobStatistics(queues: statistics))
        }
    }
}
