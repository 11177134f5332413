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
import Synchronization

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

    /// Each payload cut down to what its posting rule reads (``Posting/fields``), built as
    /// JSON text with `json_build_object`, and each movement as `[warehouseId, value]`:
    /// the profiles, the lines of rules that post totals and the movements' products and
    /// batches are neither sent nor decoded.
    public let payloadSQL: String? = {
        let movements = """
            COALESCE((SELECT json_agg(json_build_array(m -> 'warehouseId', m -> 'value'))
                        FROM jsonb_array_elements(payload -> 'movements') m), '[]'::json)
            """
        let cases = Posting.fields.map { type, fields in
            let pairs =
                fields.map { "'\($0)', payload -> '\($0)'" }
                + (Posting.movementsRead.contains(type) ? ["'movements', \(movements)"] : [])
            return "WHEN '\(type.rawValue)' THEN json_build_object(\(pairs.joined(separator: ", ")))::text"
        }
        return "CASE type \(cases.joined(separator: " ")) ELSE payload::text END"
    }()

    /// Creates the projector.
    public init() {}

    /// The chart's accounts as the last batch loaded them, for ``prepare(_:)``.
    let lastAccounts = AccountsSeen()

    /// Posts the journal of each event: the journals first, then the lines of those not
    /// posted before with the day and party balances they add, summed here so that the
    /// database inserts rows and reads none back.
    public func apply(_ events: [RecordedEvent], in transaction: PostgresConnection, logger: Logger) async throws {
        try await apply(events, prepared: nil, in: transaction, logger: logger)
    }

    /// A batch's journals and its two statements, built while the batch before is applied.
    struct Prepared: Sendable {
        var journals: [Journal]
        var journalsInsert: PostgresQuery
        /// The lines and balances statement, with the accounts it was resolved with.
        var posting: (accounts: LedgerAccounts, statement: PostgresQuery)?
    }

    /// Works out the journals of `events` (``Posting/journal(for:)``) and builds the
    /// statements that post them, the lines' with the accounts the last batch loaded
    /// (the apply uses it only if the chart is unchanged and every journal is new);
    /// `nil` when a rule throws, which the apply then reports.
    public func prepare(_ events: [RecordedEvent]) -> (any Sendable)? {
        guard let journals = try? events.compactMap({ try Posting.journal(for: $0) }) else { return nil }
        let posting = lastAccounts.value.flatMap { accounts in
            (try? Self.postingStatement(journals, accounts: accounts)).map { (accounts, $0) }
        }
        return Prepared(journals: journals, journalsInsert: Self.journalsInsert(journals), posting: posting)
    }

    /// ``apply(_:in:logger:)`` with what ``prepare(_:)`` built, if it did.
    public func apply(
        _ events: [RecordedEvent], prepared: (any Sendable)?, in transaction: PostgresConnection, logger: Logger
    ) async throws {
        let ready: Prepared
        if let prepared = prepared as? Prepared {
            ready = prepared
        } else {
            let journals = try events.compactMap { try Posting.journal(for: $0) }
            ready = Prepared(journals: journals, journalsInsert: Self.journalsInsert(journals), posting: nil)
        }
        guard !ready.journals.isEmpty else { return }
        let returned: [Int64] = try await transaction.rows(ready.journalsInsert, as: Int64.self, logger: logger)
        let inserted = Set(returned)
        let journals = ready.journals.filter { inserted.contains($0.position) }
        guard !journals.isEmpty else { return }
        let accounts = try await LedgerAccounts.load(on: transaction, logger: logger)
        lastAccounts.value = accounts
        let statement: PostgresQuery
        if journals.count == ready.journals.count, let posting = ready.posting, posting.accounts == accounts {
            statement = posting.statement
        } else {
            statement = try Self.postingStatement(journals, accounts: accounts)
        }
        try await transaction.query(statement, logger: logger)
    }

    /// Inserts the journals not posted before and returns their positions.
    static func journalsInsert(_ candidates: [Journal]) -> PostgresQuery {
        """
        INSERT INTO ledger_journals (position, event_type, document_type, document_id, reference, posting_date)
        SELECT * FROM unnest(\(candidates.map(\.position))::bigint[], \(candidates.map(\.eventType.rawValue))::text[],
                             \(candidates.map(\.documentType))::text[], \(candidates.map(\.documentID))::bigint[],
                             \(candidates.map(\.reference))::text[], \(candidates.map(\.date.description))::date[])
        ON CONFLICT (position) DO NOTHING
        RETURNING position
        """
    }

    /// Inserts the lines of `journals` and adds them to the day and party balances.
    ///
    /// - Throws: ``LedgerAccounts/MissingAccount`` for an account the chart lacks.
    static func postingStatement(_ journals: [Journal], accounts: LedgerAccounts) throws -> PostgresQuery {
        var lines: [(journal: Journal, number: Int32, line: PostingLine, account: Int64)] = []
        var days: [DayKey: (debit: Int64, credit: Int64)] = [:]
        var parties: [PartyKey: (debit: Int64, credit: Int64)] = [:]
        for journal in journals {
            for (index, line) in journal.lines.enumerated() {
                let account = try accounts.id(of: line.account)
                lines.append((journal, Int32(index + 1), line, account))
                days[DayKey(account: account, date: journal.date), default: (0, 0)].debit += line.debit
                days[DayKey(account: account, date: journal.date), default: (0, 0)].credit += line.credit
                if let party = line.party {
                    let key = PartyKey(type: party.type, id: party.id, account: account)
                    parties[key, default: (0, 0)].debit += line.debit
                    parties[key, default: (0, 0)].credit += line.credit
                }
            }
        }
        // Sorted, so that concurrent batches take the balance rows' locks in one order.
        let daySums = days.sorted { ($0.key.account, $0.key.date) < ($1.key.account, $1.key.date) }
        let partySums = parties.sorted {
            ($0.key.type, $0.key.id, $0.key.account) < ($1.key.type, $1.key.id, $1.key.account)
        }
        return """
            WITH lines AS (
                INSERT INTO ledger_lines (position, line_number, account_id, party_type, party_id, debit_paise,
                                          credit_paise, posting_date, reference)
                -- Arrays carry no NULL here: '' is no party.
                SELECT l.p, l.n, l.a, NULLIF(l.pt, ''), NULLIF(l.pi, 0), l.d, l.c, l.dt, l.r
                  FROM unnest(\(lines.map(\.journal.position))::bigint[], \(lines.map(\.number))::integer[],
                              \(lines.map(\.account))::bigint[], \(lines.map { $0.line.party?.type ?? "" })::text[],
                              \(lines.map { $0.line.party?.id ?? 0 })::bigint[], \(lines.map(\.line.debit))::bigint[],
                              \(lines.map(\.line.credit))::bigint[], \(lines.map(\.journal.date.description))::date[],
                              \(lines.map(\.journal.reference))::text[]) AS l(p, n, a, pt, pi, d, c, dt, r)),
            days AS (
                INSERT INTO ledger_account_days AS b (account_id, posting_date, debit_paise, credit_paise)
                SELECT * FROM unnest(\(daySums.map(\.key.account))::bigint[], \(daySums.map(\.key.date.description))::date[],
                                     \(daySums.map(\.value.debit))::bigint[], \(daySums.map(\.value.credit))::bigint[])
                ON CONFLICT (account_id, posting_date) DO UPDATE
                   SET debit_paise = b.debit_paise + EXCLUDED.debit_paise,
                       credit_paise = b.credit_paise + EXCLUDED.credit_paise)
            INSERT INTO ledger_party_balances AS b (party_type, party_id, account_id, debit_paise, credit_paise)
            SELECT * FROM unnest(\(partySums.map(\.key.type))::text[], \(partySums.map(\.key.id))::bigint[],
                                 \(partySums.map(\.key.account))::bigint[], \(partySums.map(\.value.debit))::bigint[],
                                 \(partySums.map(\.value.credit))::bigint[])
            ON CONFLICT (party_type, party_id, account_id) DO UPDATE
               SET debit_paise = b.debit_paise + EXCLUDED.debit_paise,
                   credit_paise = b.credit_paise + EXCLUDED.credit_paise
            """
    }

    /// An account on a day: a row of `ledger_account_days`.
    struct DayKey: Hashable {
        var account: Int64
        var date: CalendarDate
    }

    /// A party on a control account: a row of `ledger_party_balances`.
    struct PartyKey: Hashable {
        var type: String
        var id: Int64
        var account: Int64
    }
}

/// The chart's accounts as the ledger projector last loaded them.
final class AccountsSeen: Sendable {
    private let seen = Mutex<LedgerAccounts?>(nil)

    var value: LedgerAccounts? {
        get { seen.withLock { $0 } }
        set { seen.withLock { $0 = newValue } }
    }
}

/// The chart's accounts by role and each warehouse's inventory account.
struct LedgerAccounts: Sendable, Equatable {
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
