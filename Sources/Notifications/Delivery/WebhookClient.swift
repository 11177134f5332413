// The HTTP client webhook deliveries go through, sized to the deliveries that run at once.
public import AsyncHTTPClient
import ERPKernel
import ERPStore
import Inventory
import MasterData
import NIOCore
public import ServiceLifecycle

/// An HTTP client with a connection per concurrent delivery to a host, run as a service
/// so that it shuts down after the job runner that uses it has drained.
///
/// With fewer connections than deliveries in flight, deliveries queue for a connection;
/// the shared client keeps 8 per host, and with 200 deliveries in flight most waited out
/// their whole timeout before being sent, then ran again while the first was still being
/// answered. A read timeout measures the endpoint from when the request is sent.
public struct WebhookClient: Service {
    /// The client deliveries use.
    public let http: HTTPClient

    /// Creates the client.
    ///
    /// - Parameters:
    ///   - concurrency: Deliveries this process runs at once (the notifications queue's concurrency).
    ///   - timeout: How long an endpoint may take to answer once the request is sent.
    public init(concurrency: Int, timeout: Duration) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(concurrency, 1)
        configuration.timeout = .init(connect: .seconds(5), read: TimeAmount(timeout))
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Waits for graceful shutdown, then shuts the client down.
    public func run() async throws {
        try? await gracefulShutdown()
        try await http.shutdown()
    }
}
