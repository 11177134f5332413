// The one protocol through which a business module declares what it contributes.
public import AsyncHTTPClient
public import ERPEvents
public import ERPHTTP
public import ERPJobs
public import PostgresNIO

/// What a job handler may use: the pool, the HTTP client, the business time zone.
public struct JobContext: Sendable {
    /// The pool the handlers' transactions use.
    public var client: PostgresClient
    /// For calls out (webhooks).
    public var http: HTTPClient

    /// Creates the context.
    public init(client: PostgresClient, http: HTTPClient) {
        self.client = client
        self.http = http
    }
}

/// A business domain (master data, inventory, purchasing, notifications, …): its event
/// types, projectors, invariants, job handlers, schedules and routes.
///
/// The `erp` executable lists the modules once; `erp serve`, `erp worker`, `erp verify`,
/// `erp replay` and the event-type check fold over that list (``ModuleList``). Every
/// requirement but ``name`` has an empty default, so a module declares only what it has.
public protocol ERPModule: Sendable {
    /// Short, lowercase: `inventory`. Also the prefix of its permissions (`inventory.issue`).
    var name: String { get }

    /// The event types its triggers record (triggers/<module>.sql), with their traits.
    var events: [EventDeclaration] { get }

    /// Its read models; `catalog` is every module's event types, for projectors that
    /// follow a trait rather than a list (every event that moves stock).
    func projectors(_ catalog: EventCatalog) -> [any Projector]

    /// What `erp verify` checks of its tables and read models.
    func invariants(_ catalog: EventCatalog) -> [Invariant]

    /// The job queues its jobs use.
    var queues: [String] { get }

    /// The handler of each kind of job it enqueues.
    func jobHandlers(_ context: JobContext) -> [any JobHandler]

    /// Its periodic jobs.
    func schedules() -> [JobSchedule]

    /// Registers its routes, each with the permission it needs.
    func routes(on api: APIRoutes, client: PostgresClient)

    /// Its tables' constraints whose field their name does not tell (PostgreSQL names a
    /// table's unnamed CHECK `<table>_check`), by the request field they are about.
    var constraintFields: [String: String] { get }

    /// The permissions of its routes that each built-in role holds. (``Role/admin`` holds
    /// every permission and ``Role/viewer`` every `read` one without being granted them.)
    var grants: [Role: [Permission]] { get }

    /// What checks the bearer credentials of requests, for the one module that signs
    /// users in; `grants` is what every module grants the built-in roles.
    func authenticator(client: PostgresClient, grants: RoleGrants) -> (any RequestAuthenticator)?
}

extension ERPModule {
    /// None.
    public var events: [EventDeclaration] { [] }
    /// None.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] { [] }
    /// None.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] { [] }
    /// None.
    public var queues: [String] { [] }
    /// None.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] { [] }
    /// None.
    public func schedules() -> [JobSchedule] { [] }
    /// None.
    public func routes(on api: APIRoutes, client: PostgresClient) {}
    /// None.
    public var constraintFields: [String: String] { [:] }
    /// None.
    public var grants: [Role: [Permission]] { [:] }
    /// None.
    public func authenticator(client: PostgresClient, grants: RoleGrants) -> (any RequestAuthenticator)? { nil }
}

/// The modules of a build, folded into what each part of the server needs.
public struct ModuleList: Sendable {
    /// The modules, in dependency order.
    public let modules: [any ERPModule]

    /// The list; the order is the order of registration everywhere.
    public init(_ modules: [any ERPModule]) {
        self.modules = modules
    }

    /// Every event type the build records.
    public var catalog: EventCatalog { EventCatalog(modules.flatMap(\.events)) }

    /// The event log's own projector, then each module's, in a stable order.
    public func projectors() -> [any Projector] {
        let catalog = catalog
        return [EventStatisticsProjector()] + modules.flatMap { $0.projectors(catalog) }
    }

    /// The event log's invariants (checkpoints inside the log, no unknown event type), then each module's.
    public func invariants() -> [Invariant] {
        let catalog = catalog
        return modules.flatMap { $0.invariants(catalog) } + [.checkpointsWithinLog(), .knownEventTypes(catalog.all)]
    }

    /// Every queue some module's jobs use, `default` first.
    public var queues: [String] {
        modules.flatMap(\.queues).reduce(into: ["default"]) { queues, queue in
            if !queues.contains(queue) { queues.append(queue) }
        }
    }

    /// Every module's job handlers.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] {
        modules.flatMap { $0.jobHandlers(context) }
    }

    /// Every module's schedules.
    public func schedules() -> [JobSchedule] {
        modules.flatMap { $0.schedules() }
    }

    /// The kind and queue of every job some module defines (``JobDefinition``), by kind.
    public func jobDefinitions(_ context: JobContext) -> [String: String] {
        var definitions: [String: String] = [:]
        for handler in jobHandlers(context) {
            if let definition = type(of: handler) as? any JobDefinition.Type {
                definitions[definition.kind] = definition.queue
            }
        }
        return definitions
    }

    /// Every module's constraint fields.
    public var constraintFields: [String: String] {
        modules.reduce(into: [:]) { fields, module in fields.merge(module.constraintFields) { first, _ in first } }
    }

    /// What every module grants the built-in roles.
    public var grants: RoleGrants {
        RoleGrants(
            modules.reduce(into: [:]) { grants, module in
                for (role, permissions) in module.grants { grants[role, default: []].formUnion(permissions) }
            })
    }

    /// The one module's authenticator, or one that refuses every credential when no module signs users in.
    public func authenticator(client: PostgresClient) -> any RequestAuthenticator {
        let grants = grants
        return modules.lazy.compactMap { $0.authenticator(client: client, grants: grants) }.first ?? NoAuthenticator()
    }

    /// Registers every module's routes.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        for module in modules { module.routes(on: api, client: client) }
    }
}
