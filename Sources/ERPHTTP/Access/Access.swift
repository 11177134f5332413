// Who a request is from, and what they may do: roles, the permissions modules grant
// them, and the authenticator that turns a bearer credential into a principal.
import HTTPTypes

/// A role: a named set of permissions. The built-in roles are below; modules grant them
/// their permissions (``RoleGrants``); administrators define custom roles too.
public struct Role: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The role's name: lower case letters and underscores.
    public var rawValue: String

    /// A role by name.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The name.
    public var description: String { rawValue }

    /// By name.
    public static func < (left: Role, right: Role) -> Bool { left.rawValue < right.rawValue }

    /// Every permission, users, roles and keys included.
    public static let admin = Role(rawValue: "admin")
    /// The books: bills, payments, the ledger.
    public static let accountant = Role(rawValue: "accountant")
    /// The stores: receipts, issues, transfers, adjustments.
    public static let storekeeper = Role(rawValue: "storekeeper")
    /// Buying: vendors, purchase orders, returns.
    public static let purchaser = Role(rawValue: "purchaser")
    /// Selling on credit: customers, orders, deliveries, invoices.
    public static let sales = Role(rawValue: "sales")
    /// The counter: counter sales only.
    public static let cashier = Role(rawValue: "cashier")
    /// Reads everything, changes nothing: every permission whose action is `read`.
    public static let viewer = Role(rawValue: "viewer")

    /// The roles every database has, in this order.
    public static let builtIn: [Role] = [admin, accountant, storekeeper, purchaser, sales, cashier, viewer]
}

extension Permission {
    /// What it allows, after the module: `read` of `inventory.read`.
    public var action: Substring { rawValue.split(separator: ".", maxSplits: 1).last ?? "" }
}

/// What the built-in roles hold: ``Role/admin`` every permission, ``Role/viewer`` every
/// `read` one, the others what the modules grant them.
public struct RoleGrants: Sendable {
    /// The permissions granted to each built-in role besides the two with rules.
    public var granted: [Role: Set<Permission>]

    /// Grants as the modules declare them.
    public init(_ granted: [Role: Set<Permission>] = [:]) {
        self.granted = granted
    }

    /// Whether built-in `role` holds `permission`.
    public func allows(_ role: Role, _ permission: Permission) -> Bool {
        switch role {
        case .admin: true
        case .viewer: permission.action == "read"
        default: granted[role]?.contains(permission) == true
        }
    }

    /// What built-in `role` holds of `permissions` (every permission the routes declare).
    public func permissions(of role: Role, among permissions: some Sequence<Permission>) -> Set<Permission> {
        Set(permissions.filter { allows(role, $0) })
    }
}

/// Who a request is from, once its credential is checked: a signed-in user or an API key.
public struct Principal: Sendable {
    /// How the event log names it: `user:12`, `api_key:3`.
    public var actor: String
    /// What people know it by: the user's email, the key's name.
    public var name: String
    /// The roles it holds.
    public var roles: [Role]
    /// What its custom roles hold (the built-in roles' permissions come from ``grants``).
    public var customPermissions: Set<Permission>
    /// What the built-in roles hold.
    public var grants: RoleGrants
    /// The session a signed-in user's access token belongs to; `nil` for an API key.
    public var session: String?

    /// A principal.
    public init(
        actor: String, name: String, roles: [Role], customPermissions: Set<Permission>, grants: RoleGrants,
        session: String? = nil
    ) {
        self.actor = actor
        self.name = name
        self.roles = roles
        self.customPermissions = customPermissions
        self.grants = grants
        self.session = session
    }

    /// Whether one of its roles holds `permission`.
    public func allows(_ permission: Permission) -> Bool {
        customPermissions.contains(permission)
            || roles.contains { Role.builtIn.contains($0) && grants.allows($0, permission) }
    }
}

/// Turns the bearer credential of a request into its principal.
public protocol RequestAuthenticator: Sendable {
    /// The principal `credential` (what follows `Bearer `) stands for.
    ///
    /// - Throws: ``Problem`` 401 for a credential that is malformed, forged, expired or
    ///   revoked, or whose user or key is no longer active.
    func principal(for credential: String, context: ERPRequestContext) async throws -> Principal
}

/// Refuses every credential: a build with no users module serves only its open routes.
public struct NoAuthenticator: RequestAuthenticator {
    /// The authenticator.
    public init() {}

    /// Always 401.
    public func principal(for credential: String, context: ERPRequestContext) async throws -> Principal {
        throw Problem.unauthorized("this server has no way to sign in")
    }
}

extension Problem {
    /// 401 with a `WWW-Authenticate: Bearer` challenge; `detail` says what was wrong.
    public static func unauthorized(_ detail: String, invalidToken: Bool = true) -> Problem {
        var challenge = #"Bearer realm="ERPCore""#
        if invalidToken { challenge += #", error="invalid_token""# }
        var problem = Problem(.unauthorized, slug: "unauthorized", title: "Unauthorized", detail: detail)
        problem.challenge = challenge
        return problem
    }

    /// 403 naming the permission the caller's roles do not grant.
    public static func forbidden(_ permission: Permission) -> Problem {
        var problem = Problem(
            .forbidden, slug: "forbidden", title: "Forbidden",
            detail: "this needs the permission \(permission), which none of your roles grants")
        problem.permission = permission.rawValue
        return problem
    }
}
