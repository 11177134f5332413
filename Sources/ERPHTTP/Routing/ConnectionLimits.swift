// How long a client may take to send a request head, stay idle, and how many may be connected.
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits on the server's connections, against clients that hold them for nothing.
public struct ConnectionLimits: Sendable {
    /// Once a request's first byte arrives, its head (request line and headers) must be
    /// complete within this; a header trickled a byte a second is cut off.
    public var headerTimeout: Duration
    /// A connection with no request in flight is closed after this.
    public var idleTimeout: Duration
    /// Connections open at once; one more is closed as soon as it opens.
    public var maximumConnections: Int

    /// Creates limits; the defaults suit a shop's server.
    public init(
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), maximumConnections: Int = 512
    ) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
    }

    /// The HTTP/1.1 server with these limits.
    func server() -> HTTPServerBuilder {
        let counter = ConnectionCounter(maximum: maximumConnections)
        let headerTimeout = TimeAmount(headerTimeout)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadDeadline(timeout: headerTimeout)],
            idleTimeout: TimeAmount(idleTimeout)
        )
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: configuration), counter: counter)
        }
    }
}

/// Hummingbird's HTTP/1.1 channel with ``ConnectionGate`` in front of it.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let counter: ConnectionCounter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionGate(counter: counter), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Connections open now, against the most allowed.
final class ConnectionCounter: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts a connection in; `false` (and not counted) when the limit is reached.
    func enter() -> Bool {
        if open.add(1, ordering: .relaxed).newValue <= maximum { return true }
        open.subtract(1, ordering: .relaxed)
        return false
    }

    func leave() {
        open.subtract(1, ordering: .relaxed)
    }
}

/// The first handler of a connection: counts it against the limit (closing one too
/// many at once), and tells ``RequestHeadDeadline`` whenever bytes arrive.
final class ConnectionGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Sent down the pipeline before each read's bytes.
    struct BytesArrived {}

    let counter: ConnectionCounter
    private var counted = false

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    /// A connection accepted while its pipeline was being built may be active before this
    /// handler is added, and then no `channelActive` reaches it: count it here.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { _ = admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if admit(context) { context.fireChannelActive() }
    }

    /// Counts the connection in once; closes it when the limit is reached.
    private func admit(_ context: ChannelHandlerContext) -> Bool {
        if counted { return true }
        guard counter.enter() else {
            context.close(promise: nil)
            return false
        }
        counted = true
        return true
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted { counter.leave() }
        counted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}

/// Closes a connection whose request head does not arrive within its timeout from the
/// request's first byte. Between requests the idle timeout applies instead.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    private var awaitingHead = true
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ConnectionGate.BytesArrived {
            if awaitingHead, deadline == nil {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                deadline = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            awaitingHead = false
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaitingHead = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
