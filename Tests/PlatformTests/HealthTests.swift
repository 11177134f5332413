import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Inventory
import MasterData
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct HealthTests {
    @Test func readyWhenTheDatabaseIsMigratedAndUnavailableOtherwise() async throws {
        try await TestDatabase.withDatabase { test in
            let client = PostgresClient(configuration: test.configuration.clientConfiguration(maximumConnections: 2))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                // A generous timeout: a loaded machine (every suite starting at once) may take
                // seconds to open the first connection, and this test is about the verdicts.
                let readiness = Readiness(client: client, listener: nil, timeout: .seconds(30))
                let app = Application(router: APIServer.router(readiness: readiness, client: client))
                try await app.test(.router) { http in
                    try await http.execute(uri: "/health", method: .get) { response in
                        #expect(response.status == .ok)
                    }
                    try await http.execute(uri: "/ready", method: .get) { response in
                        #expect(response.status == .ok)
                        let report = try JSONDecoder().decode(Readiness.Report.self, from: response.body)
                        #expect(report.database && report.migrations)
                    }
                }
                let pending = Readiness(
                    client: client,
                    migrations: Migration.embedded + [
                        Migration(version: 9999, path: "sql/9999_future.sql", sql: "SELECT 1")
                    ],
                    listener: nil, timeout: .seconds(30)
                )
                let stale = Application(router: APIServer.router(readiness: pending, client: client))
                try await stale.test(.router) { http in
                    try await http.execute(uri: "/ready", method: .get) { response in
                        #expect(response.status == .serviceUnavailable)
                        let report = try JSONDecoder().decode(Readiness.Report.self, from: response.body)
                        #expect(report.database)
                        #expect(!report.migrations)
                    }
                }
                group.cancelAll()
            }
        }
    }

    @Test func unavailableWhenTheDatabaseIsUnreachable() async throws {
        let unreachable = try DatabaseConfiguration(url: "postgres://erp@127.0.0.1:1/erp")
        let client = PostgresClient(configuration: unreachable.clientConfiguration(maximumConnections: 1))
        let listener = ChannelListener(
            channel: EventReader.channel, database: Database(configuration: unreachable, logger: TestDatabase.logger),
            logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let app = Application(
                router: APIServer.router(
                    readiness: Readiness(client: client, listener: listener, timeout: .milliseconds(500)),
                    client: client))
            try await app.test(.router) { http in
                try await http.execute(uri: "/ready", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    let report = try JSONDecoder().decode(Readiness.Report.self, from: response.body)
                    #expect(!report.database)
                    #expect(report.listener == false)
                }
            }
            group.cancelAll()
        }
    }
}
