// Finance: the chart of accounts and the ledger projector, which posts one balanced journal
// per business event (goods received, bills, returns, deliveries, invoices, credit notes,
// stock documents), and the trial balance read from it.
public import ERPEvents
public import ERPHTTP
public import ERPPlatform
public import PostgresNIO

extension Permission {
    /// Reading the chart of accounts, the ledger and the books.
    public static let financeRead = Permission("finance.read")
}

/// The chart of accounts, the ledger and the trial balance.
public struct FinanceModule: ERPModule {
    /// `finance`.
    public let name = "finance"

    /// The module.
    public init() {}

    /// The ledger.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] { [LedgerProjector()] }

    /// Journals balance; the books agree with stock, parties and receipts.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] { Invariant.ledger }

    /// `/api/v1/accounts`, `/api/v1/reports/trial-balance`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        FinanceRoutes(client: client).register(on: api)
    }

    /// Accountants read the books.
    public var grants: [Role: [Permission]] { [.accountant: [.financeRead]] }
}
