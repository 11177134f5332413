// Finance: the chart of accounts; manual journals, customer receipts and vendor payments
// with allocations, the period lock; and the ledger projector, which posts one balanced
// journal per business event, with the books read from it.
public import ERPEvents
public import ERPHTTP
public import ERPJobs
public import ERPKernel
public import ERPPlatform
public import ERPStore
public import Foundation
public import PostgresNIO

/// The event types finance's triggers record (triggers/finance.sql).
public enum FinanceEvents {
    /// An account was added to the chart (by a user, or opened for a new warehouse).
    public static let accountCreated = EventType("account.created")
    /// An account was renamed, deactivated or activated.
    public static let accountUpdated = EventType("account.updated")
    /// A manual journal entry (or a reversing one) was posted.
    public static let journalPosted = EventType("journal.posted")
    /// A customer paid.
    public static let paymentReceived = EventType("payment.received")
    /// A vendor was paid.
    public static let paymentMade = EventType("payment.made")
    /// Part of a payment was allocated to an invoice or bill.
    public static let paymentAllocated = EventType("payment.allocated")
    /// An allocation was given back: the payment is an advance again by that much.
    public static let paymentUnallocated = EventType("payment.unallocated")
    /// The lock date moved forward.
    public static let lockDateSet = EventType("finance.lock_date_set")
    /// The overdue scan found an invoice past its due date with something outstanding.
    public static let invoiceOverdueDetected = EventType("invoice.overdue_detected")
}

extension Permission {
    /// Reading the chart of accounts, the ledger and the books.
    public static let financeRead = Permission("finance.read")
    /// Posting journal entries, receipts and payments, allocating them; keeping the chart of accounts.
    public static let financePost = Permission("finance.post")
    /// Moving the lock date.
    public static let financeLock = Permission("finance.lock")
}

extension SQLDocumentSource {
    /// Accounts of the chart.
    public static let account = SQLDocumentSource(noun: "account", table: "accounts", function: "account_document")
    /// Manual journal entries.
    public static let journalEntry = SQLDocumentSource(
        noun: "journal entry", table: "journal_entries", function: "journal_entry_document")
    /// Customer receipts.
    public static let customerReceipt = SQLDocumentSource(
        noun: "customer receipt", table: "payments", function: "payment_document", condition: "direction = 'receipt'")
    /// Vendor payments.
    public static let vendorPayment = SQLDocumentSource(
        noun: "vendor payment", table: "payments", function: "payment_document", condition: "direction = 'payment'")
    /// The finance settings (one row).
    public static let financeSettings = SQLDocumentSource(
        noun: "finance settings", table: "finance_settings", function: "finance_settings_document")
}

/// The chart of accounts, the ledger and the trial balance.
public struct FinanceModule: ERPModule {
    /// `finance`.
    public let name = "finance"

    /// The zone the overdue scan's schedule is read in.
    public var timeZone: TimeZone

    /// The module; the default suits an Indian business.
    public init(timeZone: TimeZone = .india) {
        self.timeZone = timeZone
    }

    /// account.created, account.updated, journal.posted, payment.received, payment.made, payment.allocated,
    /// payment.unallocated, finance.lock_date_set, invoice.overdue_detected.
    public var events: [EventDeclaration] {
        [
            EventDeclaration(FinanceEvents.accountCreated, payload: AccountDocument.self),
            EventDeclaration(FinanceEvents.accountUpdated, payload: AccountDocument.self),
            EventDeclaration(FinanceEvents.journalPosted, payload: JournalEntryDocument.self),
            EventDeclaration(FinanceEvents.paymentReceived, payload: PaymentDocument.self),
            EventDeclaration(FinanceEvents.paymentMade, payload: PaymentDocument.self),
            EventDeclaration(FinanceEvents.paymentAllocated, payload: AllocationDocument.self),
            EventDeclaration(FinanceEvents.paymentUnallocated, payload: AllocationDocument.self),
            EventDeclaration(FinanceEvents.lockDateSet, payload: FinanceSettingsDocument.self),
            EventDeclaration(FinanceEvents.invoiceOverdueDetected, payload: InvoiceOverdueFinding.self),
        ]
    }

    /// The ledger.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] { [LedgerProjector()] }

    /// Journals balance; the books agree with stock, parties and receipts.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] { Invariant.ledger }

    /// `default`.
    public var queues: [String] { [OverdueScan.queue] }

    /// The overdue scan.
    public func jobHandlers(_ context: JobContext) -> [any JobHandler] {
        [OverdueScan(client: context.client)]
    }

    /// The overdue scan at 02:15 daily, after the day has turned.
    public func schedules() -> [JobSchedule] {
        [
            JobSchedule(
                name: "overdue-scan", cron: .daily(hour: 2, minute: 15), timeZone: timeZone,
                job: NewJob(OverdueScan.self, .init(), maxAttempts: 5)
            )
        ]
    }

    /// `/api/v1/accounts`, `/journal-entries`, `/customer-receipts`, `/vendor-payments`,
    /// `/finance/lock-date`, `/reports/trial-balance`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        FinanceRoutes(client: client).register(on: api)
    }

    /// Accountants keep the books.
    public var grants: [Role: [Permission]] {
        [.accountant: [.financeRead, .financePost, .financeLock]]
    }

    /// A back-dated journal, payment or vendor bill in the locked period (triggers/finance.sql).
    public var constraintFields: [String: String] {
        [
            "journal_entries_lock_date": "entryDate", "payments_lock_date": "paymentDate",
            "vendor_bills_lock_date": "billDate",
        ]
    }
}
