// Notifications: stock below its reorder level and batches near or past expiry, raised
// from events and delivered to webhooks.
public import ERPEvents
public import ERPHTTP
public import ERPJobs
import ERPKernel
public import ERPPlatform
import ERPStore
import Inventory
import MasterData
public import PostgresNIO

extension Permission {
    /// Reading notifications.
    public static let notificationsRead = Permission("notifications.read")
    /// Acknowledging them.
    public static let notificationsAcknowledge = Permission("notifications.acknowledge")
}

/// The notifications read model, its acknowledgements and its webhook deliveries.
public struct NotificationsModule: ERPModule {
    /// `notifications`.
    public let name = "notifications"
    /// Where notifications are delivered; none configured means none delivered.
    public var webhooks: WebhookEndpoints

    /// The module.
    public init(webhooks: WebhookEndpoints = .init(urls: [], secret: "")) {
        self.webhooks = webhooks
    }

    /// The notifications projector, from the stock events and the product events.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] {
        [
            NotificationsProjector(
                movingStock: catalog.types(with: .movesStock), receivingStock: catalog.types(with: .receivesStock)
            )
        ]
    }

    /// `notifications`.
    public var queues: [String] { [NotificationDelivery.queue] }

    /// Webhook deliveries.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] {
        [NotificationDelivery(endpoints: webhooks, client: context.client, http: context.http)]
    }

    /// `/api/v1/notifications`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        NotificationRoutes(client: client).register(on: api)
    }
}
