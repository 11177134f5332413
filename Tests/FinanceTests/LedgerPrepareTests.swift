// The ledger's journals worked out ahead (while the runner applies the batch before) post
// exactly what the apply would post itself, and a statement built with accounts that no
// longer match the chart is not used.
import ERPEvents
import ERPStore
import ERPTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import Finance

@Suite struct LedgerPrepareTests {
    /// Every journal line, day balance and party balance of the ledger.
    static func ledger(_ test: TestDatabase) async throws -> [String] {
        let days = try await test.scalar(
            """
            SELECT string_agg(account_id || ' ' || posting_date || ' ' || debit_paise || '/' || credit_paise, ', '
                              ORDER BY account_id, posting_date)
              FROM ledger_account_days
            """, as: String.self)
        let parties = try await test.scalar(
            """
            SELECT string_agg(party_type || party_id || ' ' || account_id || ' ' || debit_paise || '/' || credit_paise,
                              ', ' ORDER BY party_type, party_id, account_id)
              FROM ledger_party_balances
            """, as: String.self)
        return try await LedgerPostingTests.journals(test) + [days, parties]
    }

    @Test func journalsPreparedAheadPostWhatTheApplyWouldAndStaleAccountsAreNotUsed() async throws {
        try await LiveAPI.with { test, http in
            _ = try await BooksTests.smallBusiness(http)
            try await LiveAPI.catchUpProjections(test)
            let live = try await Self.ledger(test)
            #expect(live.count == 8)
            try await test.withConnection { connection in
                let events = try await connection.rows(
                    """
                    SELECT position, tx::text::bigint, type, aggregate_type, aggregate_id,
                           \(unescaped: LedgerProjector().payloadSQL ?? "payload::text"), metadata::text, recorded_at
                      FROM events ORDER BY position
                    """,
                    as: (Int64, Int64, String, String, String, String, String, Date).self, logger: test.logger
                ).map {
                    RecordedEvent(
                        position: $0.0, tx: UInt64($0.1), type: EventType($0.2), aggregateType: $0.3, aggregateID: $0.4,
                        payload: $0.5, metadata: $0.6, recordedAt: $0.7)
                }.filter { Posting.eventTypes.contains($0.type) }
                let projector = LedgerProjector()
                /// Empties the ledger and posts `events` again with what `prepare` built.
                func repost() async throws -> LedgerProjector.Prepared? {
                    let prepared = projector.prepare(events)
                    try await connection.inTransaction(logger: test.logger) {
                        try await $0.query(
                            "TRUNCATE ledger_lines, ledger_journals, ledger_account_days, ledger_party_balances",
                            logger: test.logger)
                        try await projector.apply(events, prepared: prepared, in: $0, logger: test.logger)
                    }
                    return prepared as? LedgerProjector.Prepared
                }
                // Before any batch, no accounts are known: only the journals come prepared.
                let cold = try await repost()
                #expect(cold?.journals.count == 6 && cold?.posting == nil)
                #expect(try await Self.ledger(test) == live)
                // After one, the lines' statement comes prepared too, and is used.
                let warm = try await repost()
                #expect(warm?.posting != nil)
                #expect(try await Self.ledger(test) == live)
                // Accounts that are not the chart's (cash and debtors swapped): the statement
                // built with them is set aside and the lines are resolved again.
                var stale = try #require(projector.lastAccounts.value)
                (stale.byRole["cash"], stale.byRole["debtors"]) = (stale.byRole["debtors"], stale.byRole["cash"])
                projector.lastAccounts.value = stale
                let wrong = try await repost()
                #expect(wrong?.posting?.accounts == stale)
                #expect(try await Self.ledger(test) == live)
            }
        }
    }
}
