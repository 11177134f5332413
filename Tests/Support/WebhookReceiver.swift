// A real HTTP server that plays a customer's webhook endpoint and checks each signature.
import Crypto
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import Foundation
public import HTTPTypes
import Hummingbird
import Inventory
import Logging
import MasterData
import NIOCore
import Notifications
import Purchasing
public import Synchronization

/// Receives POSTs on `/hooks/{name}` and keeps what arrived. It checks the
/// `X-ERP-Signature` of each body against the shared secret on its own (with swift-crypto,
/// not the code under test) and answers 401 to a bad one.
public final class WebhookReceiver: Sendable {
    /// The header naming the notification delivered.
    public static let deliveryHeader = HTTPField.Name("X-ERP-Delivery") ?? .contentType
    /// The header carrying the HMAC signature.
    public static let signatureHeader = HTTPField.Name("X-ERP-Signature") ?? .contentType

    /// One delivery the receiver accepted.
    public struct Delivery: Sendable {
        /// The endpoint's name (`/hooks/<name>`).
        public var endpoint: String
        /// The `X-ERP-Delivery` header.
        public var subject: String
        /// The JSON posted.
        public var body: String
    }

    /// The key deliveries are signed with (HMAC-SHA256).
    public let secret: String
    private let state = Mutex<(deliveries: [Delivery], badSignatures: Int, failuresLeft: [String: Int], inFlight: Int)>(
        ([], 0, [:], 0))
    /// Requests in flight per subject, and how often one arrived while another of its subject was.
    private let subjects = Mutex<(inFlight: [String: Int], overlaps: Int)>(([:], 0))
    /// While set, requests are held open (a hung endpoint) until it is cleared.
    public let hanging = Atomic<Bool>(false)
    /// How long each request takes to answer, in milliseconds.
    public let answerDelayMilliseconds = Atomic<Int>(0)

    /// Creates a value with the given fields.
    public init(secret: String) {
        self.secret = secret
    }

    /// Every delivery accepted, in order.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    /// Deliveries refused for a wrong signature.
    public var badSignatures: Int { state.withLock { $0.badSignatures } }
    /// Requests being answered right now.
    public var inFlight: Int { state.withLock { $0.inFlight } }
    /// Requests that arrived while another of the same subject was still being answered.
    public var overlaps: Int { subjects.withLock { $0.overlaps } }

    /// Makes `endpoint` answer 503 to its next `count` requests.
    public func fail(_ endpoint: String, times count: Int) {
        state.withLock { $0.failuresLeft[endpoint] = count }
    }

    /// Runs the receiver for the length of `body`, which gets its base URL.
    public func serve<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("hooks/:name") { request, context -> HTTPResponse.Status in
            let name = context.parameters.get("name") ?? ""
            self.state.withLock { $0.inFlight += 1 }
            defer { self.state.withLock { $0.inFlight -= 1 } }
            let subject = request.headers[Self.deliveryHeader] ?? ""
            self.subjects.withLock { subjects in
                if subjects.inFlight[subject, default: 0] > 0 { subjects.overlaps += 1 }
                subjects.inFlight[subject, default: 0] += 1
            }
            defer { self.subjects.withLock { $0.inFlight[subject, default: 1] -= 1 } }
            while self.hanging.load(ordering: .relaxed) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let delay = self.answerDelayMilliseconds.load(ordering: .relaxed)
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(buffer: body)
            let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: Array(self.secret.utf8)))
            let expected = "sha256=" + code.map { String(format: "%02x", $0) }.joined()
            guard request.headers[Self.signatureHeader] == expected else {
                self.state.withLock { $0.badSignatures += 1 }
                return .unauthorized
            }
            return self.state.withLock { state in
                if let left = state.failuresLeft[name], left > 0 {
                    state.failuresLeft[name] = left - 1
                    return .serviceUnavailable
                }
                let subject = request.headers[Self.deliveryHeader] ?? ""
                state.deliveries.append(
                    Delivery(endpoint: name, subject: subject, body: String(decoding: bytes, as: UTF8.self)))
                return .noContent
            }
        }
        let port = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
                port.continuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A server that fails before it runs ends the wait for its port below,
                // which would otherwise wait for ever.
                defer { port.continuation.finish() }
                try await app.runService(gracefulShutdownSignals: [])
            }
            var ports = port.stream.makeAsyncIterator()
            guard let bound = await ports.next() else {
                try await group.next()
                throw SetupError("the webhook receiver did not start")
            }
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(bound)/hooks")
        }
    }
}
