// Notifications: stock below its reorder level and batches near or past expiry, raised
// from events and delivered to webhooks.
public import ERPEvents
public import ERPHTTP
public import ERPJobs
import ERPKernel
public import ERPPlatform
public import ERPStore
public import Foundation
import Inventory
import MasterData
public import PostgresNIO

/// The event type notifications' triggers record (triggers/notifications.sql).
public enum NotificationsEvents {
    /// Someone acknowledged a notification (payload ``NotificationAcknowledgement``).
    public static let acknowledged = EventType("notification.acknowledged")
}

/// Where a notification stands, as `notifications.status` stores it.
public enum NotificationStatus: String, StoredEnum {
    /// Raised and not yet acknowledged.
    case open
    /// Someone acknowledged it.
    case acknowledged
}

/// The payload of `notification.acknowledged`.
public struct NotificationAcknowledgement: Sendable, Codable, Hashable {
    /// The acknowledgement's id.
    public var id: Int64
    /// The notification's subject, which a rebuild of the read model keeps.
    public var subject: String
    /// Who acknowledged it: the command's actor.
    public var acknowledgedBy: String
    /// When.
    public var acknowledgedAt: Date
}

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

    /// Acknowledgements.
    public var events: [EventDeclaration] {
        [EventDeclaration(NotificationsEvents.acknowledged, payload: NotificationAcknowledgement.self)]
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

    /// Those who act on alerts (low stock, expiry, receipts) read and acknowledge them.
    public var grants: [Role: [Permission]] {
        let both: [Permission] = [.notificationsRead, .notificationsAcknowledge]
        return [.storekeeper: both, .purchaser: both, .accountant: [.notificationsRead]]
    }
}
