// Jobs as the queue sees them: what to enqueue, and what a worker claimed.
public import Foundation

/// A job to enqueue.
public struct NewJob: Sendable, Hashable {
    /// What to do, e.g. `notification.deliver`; a handler is registered per kind.
    public var kind: String
    /// The handler's input as a JSON object.
    public var payload: String
    /// The queue it runs on.
    public var queue: String
    /// Not before this time; now when absent.
    public var runAt: Date?
    /// Lower runs first.
    public var priority: Int16
    /// Attempts before the job is dead.
    public var maxAttempts: Int
    /// At most one pending or running job per key.
    public var dedupeKey: String?

    /// Describes a job.
    ///
    /// - Parameters:
    ///   - kind: What to do.
    ///   - payload: The handler's input, a JSON object.
    ///   - queue: The queue, `default` unless given.
    ///   - runAt: Not before this time.
    ///   - priority: Lower runs first.
    ///   - maxAttempts: Attempts before the job is dead.
    ///   - dedupeKey: Makes a second enqueue with the same key a no-op while this job is pending or running.
    public init(
        kind: String, payload: String = "{}", queue: String = "default", runAt: Date? = nil, priority: Int16 = 0,
        maxAttempts: Int = 20, dedupeKey: String? = nil
    ) {
        self.kind = kind
        self.payload = payload
        self.queue = queue
        self.runAt = runAt
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.dedupeKey = dedupeKey
    }
}

/// A job a worker holds the lease of.
public struct ClaimedJob: Sendable, Hashable {
    /// Its id.
    public var id: Int64
    /// The queue it runs on.
    public var queue: String
    /// The kind of job.
    public var kind: String
    /// The handler's input as a JSON object.
    public var payload: String
    /// This attempt's number, from 1.
    public var attempt: Int
    /// Attempts before the job is dead.
    public var maxAttempts: Int
}

/// What became of an enqueue.
public enum Enqueued: Sendable, Hashable {
    /// The job was added with this id.
    case added(Int64)
    /// A pending or running job already had the dedupe key; nothing was added.
    case duplicate
}

extension ClaimedJob {
    /// The payload decoded as `type`.
    ///
    /// - Throws: ``PermanentJobFailure`` when it does not decode: retrying cannot mend it.
    public func payload<Payload: Decodable>(as type: Payload.Type) throws -> Payload {
        do {
            return try JSONDecoder().decode(type, from: Data(payload.utf8))
        } catch {
            throw PermanentJobFailure("job \(id) of kind \(kind) has a malformed payload: \(error)")
        }
    }
}

/// A kind of job bound to its queue and its payload type, so an enqueue takes the typed
/// value and a handler decodes the same type. Handlers usually conform themselves.
public protocol JobDefinition {
    /// The handler's input, encoded as the job's JSON payload.
    associatedtype Payload: Codable & Sendable

    /// What to do, e.g. `notification.deliver`.
    static var kind: String { get }
    /// The queue its jobs go to.
    static var queue: String { get }
}

/// The payload of a job that takes no input.
public struct NoPayload: Codable, Sendable, Hashable {
    /// The empty payload.
    public init() {}
}

extension NewJob {
    /// A job of `definition` with `payload`.
    ///
    /// - Parameters:
    ///   - definition: The kind of job; its queue too.
    ///   - payload: The handler's input.
    ///   - runAt: Not before this time.
    ///   - priority: Lower runs first.
    ///   - maxAttempts: Attempts before the job is dead.
    ///   - dedupeKey: Makes a second enqueue with the same key a no-op while this job is pending or running.
    public init<Definition: JobDefinition>(
        _ definition: Definition.Type, _ payload: Definition.Payload, runAt: Date? = nil, priority: Int16 = 0,
        maxAttempts: Int = 20, dedupeKey: String? = nil
    ) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a Codable struct of plain fields into JSON cannot fail.
        let json = (try? encoder.encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.init(
            kind: Definition.kind, payload: json, queue: Definition.queue, runAt: runAt, priority: priority,
            maxAttempts: maxAttempts, dedupeKey: dedupeKey
        )
    }
}

extension ClaimedJob {
    /// The payload decoded as `definition`'s payload type.
    ///
    /// - Throws: ``PermanentJobFailure`` when it does not decode: retrying cannot mend it.
    public func payload<Definition: JobDefinition>(of definition: Definition.Type) throws -> Definition.Payload {
        try payload(as: Definition.Payload.self)
    }
}
