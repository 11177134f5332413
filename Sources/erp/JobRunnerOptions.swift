// Options of the job runner, shared by `erp worker` and the runner embedded in `erp serve`.
import ArgumentParser
import ERPApp
import ERPJobs
import ERPPlatform
import ERPStore
import Foundation
import Logging
import Notifications
import PostgresNIO
import Users

struct JobRunnerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Number of jobs of each queue run at once in this process.", valueName: "n"))
    var concurrency = 10

    @Option(
        help: ArgumentHelp(
            "Seconds a claimed job stays this process's without a heartbeat; a dead worker's jobs run again after it.",
            valueName: "seconds"))
    var lease = 30

    @Option(
        help: ArgumentHelp(
            "On shutdown, seconds running jobs get to finish before their leases are released.", valueName: "seconds"))
    var drainTimeout = 10

    @Option(
        name: .customLong("webhook-url"),
        help: ArgumentHelp(
            "Deliver notifications to this URL (repeatable); defaults to $ERP_WEBHOOK_URLS, comma-separated. The signing secret comes from $ERP_WEBHOOK_SECRET.",
            valueName: "url"
        )
    )
    var webhookURLs: [String] = []

    @Option(help: ArgumentHelp("Days ahead the daily expiry scan flags batches.", valueName: "days"))
    var expiryWindowDays = 90

    func validate() throws {
        guard concurrency > 0, concurrency <= 1000 else { throw ValidationError("--concurrency must be 1…1000") }
        guard lease >= 3 else { throw ValidationError("--lease must be at least 3 seconds") }
        guard drainTimeout > 0 else { throw ValidationError("--drain-timeout must be positive") }
        guard (0...3650).contains(expiryWindowDays) else {
            throw ValidationError("--expiry-window-days must be 0…3650")
        }
        let webhooks = try self.webhooks()
        for url in webhooks.urls {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw ValidationError("webhook URL \"\(url)\" is not an http(s) URL")
            }
        }
    }

    /// The HTTP client for deliveries: a connection per delivery this process runs at once.
    func webhookClient() throws -> WebhookClient {
        WebhookClient(concurrency: concurrency, timeout: try webhooks().timeout)
    }

    /// The endpoints from --webhook-url or ERP_WEBHOOK_URLS, with ERP_WEBHOOK_SECRET.
    func webhooks() throws -> WebhookEndpoints {
        let environment = ProcessInfo.processInfo.environment
        let urls =
            webhookURLs.isEmpty
            ? (environment["ERP_WEBHOOK_URLS"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            : webhookURLs
        let secret = environment["ERP_WEBHOOK_SECRET"] ?? ""
        if !urls.isEmpty && secret.count < 16 {
            throw ValidationError("webhooks need ERP_WEBHOOK_SECRET set to at least 16 characters, to sign deliveries")
        }
        return WebhookEndpoints(urls: urls, secret: secret)
    }

    /// The modules, configured from these options.
    func modules(authentication: AuthenticationSettings = AuthenticationSettings()) throws -> ModuleList {
        Modules.list(
            .init(webhooks: try webhooks(), expiryWindowDays: expiryWindowDays, authentication: authentication))
    }

    /// A runner for `queues` (every module's by default) with the modules' handlers and
    /// schedules; its handlers use `client` and `webhooks` (see ``webhookClient()``).
    func runner(
        queues: [String]? = nil, database: Database, client: PostgresClient, webhooks http: WebhookClient,
        logger: Logger
    ) throws -> JobRunner {
        let modules = try modules()
        let configuration = JobRunner.Configuration(
            queues: Dictionary(uniqueKeysWithValues: (queues ?? modules.queues).map { ($0, concurrency) }),
            lease: .seconds(lease),
            drainTimeout: .seconds(drainTimeout),
            schedules: modules.schedules()
        )
        return JobRunner(
            handlers: modules.jobHandlers(JobContext(client: client, http: http.http)), database: database,
            configuration: configuration, logger: logger
        )
    }
}
