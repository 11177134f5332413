// Acknowledging a notification: a command with its own write model and event.
import ERPKernel
public import ERPStore
import Logging
public import PostgresNIO

/// The write side of notifications.
public enum NotificationCommands {
    /// Records that the command's actor acknowledged notification `id`, once:
    /// acknowledging again records nothing. The event `notification.acknowledged` then
    /// marks it in the read model.
    ///
    /// - Throws: ``CommandError`` `.notFound` when the read model has no such notification.
    public static func acknowledge(_ id: Int64, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        guard
            let subject = try await transaction.value(
                "SELECT subject FROM notifications WHERE id = \(id)", as: String.self, logger: context.logger
            )
        else {
            throw CommandError(.notFound, "there is no notification \(id)")
        }
        try await transaction.execute(
            """
            INSERT INTO notification_acknowledgements (subject, acknowledged_by)
            SELECT \(subject), \(context.actor)
             WHERE NOT EXISTS (
                 SELECT FROM notifications WHERE subject = \(subject) AND status = \(NotificationStatus.acknowledged))
            ON CONFLICT (subject) DO NOTHING
            """,
            logger: context.logger
        )
    }
}
