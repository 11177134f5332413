// The business modules of this build: the one list that `erp serve`, `erp worker`,
// `erp verify`, `erp replay`, the event-type check, the benchmarks and the tests fold over.
public import ERPHTTP
public import ERPPlatform
import Finance
import Foundation
import Hummingbird
import Inventory
import MasterData
public import Notifications
public import PostgresNIO
import Purchasing
import Sales
public import Users

/// This build's modules and how they are configured.
public enum Modules {
    /// What the modules take from configuration.
    public struct Settings: Sendable {
        /// Where notifications are delivered; none configured means none delivered.
        public var webhooks: WebhookEndpoints
        /// The daily expiry scan flags batches expiring within this many days.
        public var expiryWindowDays: Int
        /// How people sign in: the token key, lifetimes, throttling, the bcrypt cost.
        public var authentication: AuthenticationSettings

        /// Settings; the defaults deliver nothing, scan 90 days ahead and sign no one in
        /// (no token key).
        public init(
            webhooks: WebhookEndpoints = .init(urls: [], secret: ""), expiryWindowDays: Int = 90,
            authentication: AuthenticationSettings = AuthenticationSettings()
        ) {
            self.webhooks = webhooks
            self.expiryWindowDays = expiryWindowDays
            self.authentication = authentication
        }
    }

    /// Every module, in dependency order. Adding a domain is one line here (and its
    /// target and SQL files).
    public static func list(_ settings: Settings = .init()) -> ModuleList {
        ModuleList([
            MasterDataModule(),
            InventoryModule(expiryWindowDays: settings.expiryWindowDays),
            PurchasingModule(),
            UsersModule(settings: settings.authentication),
            SalesModule(),
            FinanceModule(),
            NotificationsModule(webhooks: settings.webhooks),
        ])
    }

    /// The HTTP routes of `modules` for ``APIServer``.
    public static func routes(_ modules: ModuleList, client: PostgresClient) -> APIServer.Routes {
        APIServer.Routes(
            jobQueues: modules.queues, constraintFields: modules.constraintFields,
            authenticator: modules.authenticator(client: client), grants: modules.grants
        ) { api in
            modules.routes(on: api, client: client)
        }
    }
}
