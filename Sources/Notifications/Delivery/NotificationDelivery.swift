// Delivering notifications to webhook endpoints: a signed JSON POST, once per endpoint.
public import AsyncHTTPClient
import Crypto
public import ERPJobs
import ERPKernel
import ERPStore
import Foundation
import Inventory
public import Logging
import MasterData
import NIOCore
import NIOHTTP1
public import PostgresNIO

/// Where notifications are delivered, and the secret their signatures use.
public struct WebhookEndpoints: Sendable {
    /// The header carrying `sha256=` and the hex HMAC-SHA256 of the body under ``secret``.
    public static let signatureHeader = "X-ERP-Signature"
    /// The header carrying the notification's subject: the same on every retry, for receivers to dedupe.
    public static let deliveryHeader = "X-ERP-Delivery"

    /// Where to post each notification.
    public var urls: [String]
    /// The key deliveries are signed with (HMAC-SHA256).
    public var secret: String
    /// How long one endpoint may take to answer.
    public var timeout: Duration

    /// Describes the endpoints.
    public init(urls: [String], secret: String, timeout: Duration = .seconds(10)) {
        self.urls = urls
        self.secret = secret
        self.timeout = timeout
    }

    /// The value of ``signatureHeader`` for `body`.
    ///
    /// The secret never shows however the endpoints are printed (see the extension below).
    public func signature(of body: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.hexadecimal
    }
}

extension WebhookEndpoints: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// As people read it.
    public var description: String { "\(urls.count) webhook endpoint(s), timeout \(timeout), secret set" }
    /// The same as the description: nothing secret.
    public var debugDescription: String { description }
    /// Hides the secret from dumps.
    public var customMirror: Mirror {
        Mirror(self, children: ["urls": urls, "timeout": timeout, "secret": "(redacted)"], displayStyle: .struct)
    }
}

/// `notification.deliver`: POSTs one notification to every configured endpoint that has
/// not had it yet, and records each success in `notification_deliveries`.
///
/// An endpoint that fails (an error status, a timeout, a refused connection) fails the
/// attempt; the retry skips the endpoints already done. Receivers get each notification
/// at least once and can dedupe on ``WebhookEndpoints/deliveryHeader``.
public struct NotificationDelivery: JobHandler, JobDefinition {
    /// `notification.deliver`; triggers/notifications.sql enqueues it under this name.
    public static let kind = "notification.deliver"
    /// `notifications`: deliveries wait on slow endpoints, so they have a queue of their own.
    public static let queue = "notifications"

    /// Which notification to deliver.
    public struct Payload: Codable, Sendable {
        /// The notification's subject, e.g. `below_reorder:1:2:1`.
        public var subject: String

        /// A payload.
        public init(subject: String) {
            self.subject = subject
        }
    }

    /// An endpoint did not take the notification.
    struct Refused: Error, CustomStringConvertible {
        var failures: [String]
        var description: String { failures.joined(separator: "; ") }
    }

    /// `notification.deliver`.
    public var kind: String { Self.kind }
    /// Each endpoint's timeout, once per endpoint and once more.
    public var timeout: Duration { endpoints.timeout * (endpoints.urls.count + 1) }
    let endpoints: WebhookEndpoints
    let client: PostgresClient
    let http: HTTPClient

    /// Creates the handler.
    ///
    /// - Parameter http: Best a ``WebhookClient``'s, with a connection per concurrent delivery.
    public init(endpoints: WebhookEndpoints, client: PostgresClient, http: HTTPClient = .shared) {
        self.endpoints = endpoints
        self.client = client
        self.http = http
    }

    /// Runs one attempt of the job.
    public func perform(_ job: ClaimedJob, logger: Logger) async throws {
        let subject = try job.payload(of: Self.self).subject
        let (document, delivered) = try await client.withLiveConnection { connection in
            let document = try await connection.value(
                """
                SELECT jsonb_build_object(
                    'id', n.id, 'kind', n.kind, 'subject', n.subject, 'productId', n.product_id,
                    'warehouseId', n.warehouse_id, 'batchId', n.batch_id, 'customerId', n.customer_id,
                    'invoiceId', n.invoice_id, 'message', n.message,
                    'details', n.details, 'raisedAt', n.raised_at)::text
                  FROM notifications n WHERE n.subject = \(subject)
                """,
                as: String.self, logger: logger
            )
            let delivered = try await connection.rows(
                "SELECT endpoint FROM notification_deliveries WHERE subject = \(subject)", as: String.self,
                logger: logger
            )
            return (document, Set(delivered))
        }
        guard let document else {
            throw PermanentJobFailure("there is no notification \(subject) (was the projection reset?)")
        }
        let body = Array(document.utf8)
        var failures: [String] = []
        var timedOut = false
        for url in endpoints.urls where !delivered.contains(url) {
            do {
                let status = try await post(body, to: url, subject: subject)
                guard (200..<300).contains(status) else {
                    failures.append("\(url) answered \(status)")
                    continue
                }
                _ = try await client.withLiveConnection { connection in
                    try await connection.execute(
                        """
                        INSERT INTO notification_deliveries (subject, endpoint, response_status)
                        VALUES (\(subject), \(url), \(status)) ON CONFLICT DO NOTHING
                        """,
                        logger: logger
                    )
                }
                logger.debug("notification delivered", metadata: ["subject": "\(subject)", "endpoint": "\(url)"])
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                timedOut = true
                failures.append("\(url) did not answer within \(endpoints.timeout)")
            } catch {
                failures.append("\(url): \(error)")
            }
        }
        guard failures.isEmpty else {
            let refused = Refused(failures: failures)
            // An endpoint that timed out may still be handling the request: retrying
            // sooner than its timeout could deliver the same notification twice at once.
            if timedOut { throw RetryNoSooner(than: endpoints.timeout, refused.description) }
            throw refused
        }
    }

    private func post(_ body: [UInt8], to url: String, subject: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ERPCore-webhooks")
        request.headers.add(name: WebhookEndpoints.signatureHeader, value: endpoints.signature(of: body))
        request.headers.add(name: WebhookEndpoints.deliveryHeader, value: subject)
        request.body = .bytes(ByteBuffer(bytes: body))
        // The client's read timeout measures the endpoint from when the request is sent;
        // this deadline only bounds a connection that never comes.
        let response = try await http.execute(request, timeout: .init(endpoints.timeout * 3))
        // Read and drop the answer so the connection can be reused.
        _ = try await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
