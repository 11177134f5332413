// The ledger: one balanced journal per business event, with balances per account per day
// and per party, so that reports never scan every posting.
public import ERPEvents
import ERPKernel
import ERPStore
import Foundation
public import Logging
public import PostgresNIO
import Purchasing
import Sales

/// Keeps `ledger_journals`, `ledger_lines`, `ledger_account_days` and
/// `ledger_party_balances` from the events ``Posting`` has rules for.
///
/// A journal is keyed by its event's position: one already posted (a retried batch) is
/// left alone, and its lines count in the balances once.
public struct LedgerProjector: Projector {
    /// The projector's name: the key of its checkpoint.
    public let name = "ledger"
    /// The events with a posting rule.
    public let eventTypes: Set<EventType>? = Posting.eventTypes
    /// The tables it writes, which a rebuild replaces.
    public let tables: [ReadModelTable] = [
        .replaced("ledger_journals"), .replaced("ledger_lines"), .replaced("ledger_account_days"),
        .replaced("ledger_party_balances"),
    ]

    /// The payloads without what no posting rule reads: the supplier and recipient
    /// profiles, the lines of documents whose rule posts totals, and each movement's
    /// product, batch and quantity (a rule reads its warehouse and value), so less is
    /// sent and decoded.
    public let payloadSQL: String? = """
        ((CASE WHEN type IN (\(Self.linesRead.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
               THEN payload - 'supplier' - 'recipient'
               ELSE payload - 'supplier' - 'recipient' - 'lines' END)
         || CASE WHEN payload ? 'movements'
                 THEN jsonb_build_object('movements', COALESCE(
                          (SELECT jsonb_agg(jsonb_build_object('warehouseId', m -> 'warehouseId', 'value', m -> 'value'))
                             FROM jsonb_array_elements(payload -> 'movements') m), '[]'::jsonb))
                 ELSE '{}'::jsonb END)::text
        """

    /// The events whose posting rule reads their lines.
    static let linesRead: [EventType] = [
        SalesEvents.creditNoteIssued, PurchasingEvents.purchaseReturned, FinanceEvents.journalPosted,
    ]

    /// Creates the projector.
    public init() {}

    /// Posts the journal of each event.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        let journals = try events.compactMap { try Posting.journal(for: $0) }
        guard !journals.isEmpty else { return }
        let accounts = try await LedgerAccounts.load(on: transaction, logger: logger)
        var lines: [(journal: Journal, number: Int32, line: PostingLine, account: Int64)] = []
        for journal in journals {
            for (index, line) in journal.lines.enumerated() {
                lines.append((journal, Int32(index + 1), line, try accounts.id(of: line.account)))
            }
        }
        try await transaction.query(
            """
            WITH journals AS (
                INSERT INTO ledger_journals (position, event_type, document_type, document_id, reference, posting_date)
                SELECT * FROM unnest(\(journals.map(\.position))::bigint[], \(journals.map(\.eventType.rawValue))::text[],
                                     \(journals.map(\.documentType))::text[], \(journals.map(\.documentID))::bigint[],
                                     \(journals.map(\.reference))::text[], \(journals.map(\.date.description))::date[])
                ON CONFLICT (position) DO NOTHING
                RETURNING position),
            lines AS (
                INSERT INTO ledger_lines (position, line_number, account_id, party_type, party_id, debit_paise,
                                          credit_paise, posting_date, reference)
                -- Arrays carry no NULL here: '' is no party.
                SELECT l.p, l.n, l.a, NULLIF(l.pt, ''), NULLIF(l.pi, 0), l.d, l.c, l.dt, l.r
                  FROM unnest(\(lines.map(\.journal.position))::bigint[], \(lines.map(\.number))::integer[],
                              \(lines.map(\.account))::bigint[], \(lines.map { $0.line.party?.type ?? "" })::text[],
                              \(lines.map { $0.line.party?.id ?? 0 })::bigint[], \(lines.map(\.line.debit))::bigint[],
                              \(lines.map(\.line.credit))::bigint[], \(lines.map(\.journal.date.description))::date[],
                              \(lines.map(\.journal.reference))::text[]) AS l(p, n, a, pt, pi, d, c, dt, r)
                 WHERE l.p IN (SELECT position FROM journals)
                RETURNING account_id, party_type, party_id, debit_paise, credit_paise, posting_date),
            days AS (
                INSERT INTO ledger_account_days AS b (account_id, posting_date, debit_paise, credit_paise)
                SELECT account_id, posting_date, sum(debit_paise), sum(credit_paise) FROM lines GROUP BY 1, 2
                 ORDER BY 1, 2
                ON CONFLICT (account_id, posting_date) DO UPDATE
                   SET debit_paise = b.debit_paise + EXCLUDED.debit_paise,
                       credit_paise = b.credit_paise + EXCLUDED.credit_paise)
            INSERT INTO ledger_party_balances AS b (party_type, party_id, account_id, debit_paise, credit_paise)
            SELECT party_type, party_id, account_id, sum(debit_paise), sum(credit_paise)
              FROM lines WHERE party_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (party_type, party_id, account_id) DO UPDATE
               SET debit_paise = b.debit_paise + EXCLUDED.debit_paise,
                   credit_paise = b.credit_paise + EXCLUDED.credit_paise
            """,
            logger: logger)
    }
}

/// The chart's accounts by role and each warehouse's inventory account.
struct LedgerAccounts {
    var byRole: [String: Int64] = [:]
    var byWarehouse: [Int64: Int64] = [:]

    static func load(on connection: PostgresConnection, logger: Logger) async throws -> Self {
        var accounts = Self()
        for (id, role, warehouse) in try await connection.rows(
            "SELECT id, role, warehouse_id FROM accounts WHERE role IS NOT NULL OR warehouse_id IS NOT NULL",
            as: (Int64, String?, Int64?).self, logger: logger)
        {
            if let role { accounts.byRole[role] = id }
            if let warehouse { accounts.byWarehouse[warehouse] = id }
        }
        return accounts
    }

    func id(of account: LedgerAccount) throws -> Int64 {
        switch account {
        case .role(let role):
            guard let id = byRole[role] else { throw MissingAccount(account: "the \(role) account") }
            return id
        case .id(let id):
            return id
        case .inventory(let warehouse):
            guard let id = byWarehouse[warehouse] else {
                throw MissingAccount(account: "the inventory account of warehouse \(warehouse)")
            }
            return id
        }
    }

    struct MissingAccount: Error, CustomStringConvertible {
        var account: String
        var description: String { "the chart of accounts has no \(account): migrate the database" }
    }
}
