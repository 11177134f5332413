// Finance's write side: manual journal entries and their reversal, customer receipts and
// vendor payments with allocations to invoices and bills, and the period lock date. Each
// runs inside the caller's transaction; triggers/finance.sql records the events.
import ERPKernel
public import ERPStore
import Foundation
public import PostgresNIO

/// The commands of the finance module.
public enum FinanceCommands {
    /// An account as the commands check it.
    struct Account {
        var id: Int64
        var isGroup: Bool
        var active: Bool
        var control: String?
        var role: String?
        var groupRole: String?
    }

    /// The lock date, read FOR SHARE: a lock date being moved waits for this transaction.
    static func lockDate(on transaction: PostgresConnection, context: CommandContext) async throws -> CalendarDate? {
        let text = try await transaction.preparedValue(
            "SELECT lock_date::text FROM finance_settings WHERE id = 1 FOR SHARE", as: String?.self,
            logger: context.logger)
        return try text.flatMap { $0 }.map { try CalendarDate($0) }
    }

    /// Refuses a posting dated on or before the lock date (422 saying why).
    static func requireOpen(
        _ date: CalendarDate, field: String, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        try refuseLocked(date, lockDate: try await lockDate(on: transaction, context: context), field: field)
    }

    /// Refuses a posting dated on or before `lockDate` (422 saying why).
    static func refuseLocked(_ date: CalendarDate, lockDate: CalendarDate?, field: String) throws {
        if let locked = lockDate, date <= locked {
            throw CommandError(
                .invalid,
                "\(date) is on or before the lock date \(locked): the books up to it are closed; post a correction dated after it",
                fieldErrors: [FieldError(field, "is on or before the lock date \(locked)")])
        }
    }

    static func businessDate(on transaction: PostgresConnection, context: CommandContext) async throws -> CalendarDate {
        guard
            let text = try await transaction.preparedValue(
                "SELECT business_date()::text", as: String.self, logger: context.logger)
        else { throw CommandError(.notFound, "the database gave no business date") }
        return try CalendarDate(text)
    }

    static func accounts(_ codes: [String], on transaction: PostgresConnection, context: CommandContext)
        async throws -> [String: Account]
    {
        var found: [String: Account] = [:]
        for (code, id, isGroup, active, control, role, groupRole) in try await transaction.preparedRows(
            """
            SELECT a.code, a.id, a.is_group, a.active, a.control, a.role, g.role
              FROM accounts a LEFT JOIN accounts g ON g.id = a.group_id
             WHERE a.code = ANY(\(codes))
            """,
            as: (String, Int64, Bool, Bool, String?, String?, String?).self, logger: context.logger)
        {
            found[code] = Account(
                id: id, isGroup: isGroup, active: active, control: control, role: role, groupRole: groupRole)
        }
        return found
    }

    static func partyExists(_ type: String, _ id: Int64, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Bool
    {
        let table = type == "customer" ? "customers" : "vendors"
        return try await transaction.preparedValue(
            "SELECT EXISTS (SELECT 1 FROM \(unescaped: table) WHERE id = \(id))", as: Bool.self,
            logger: context.logger) ?? false
    }

    // MARK: Journal entries

    /// Posts a manual journal entry; returns its id.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming each bad field: an unknown, group or
    ///   inactive account, a missing or needless party, a date in the locked period.
    public static func post(
        _ entry: NewJournalEntry, reversing: Int64? = nil, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try entry.validate() } catch { throw CommandError(error) }
        let date: CalendarDate
        if let entryDate = entry.entryDate {
            date = entryDate
        } else {
            date = try await businessDate(on: transaction, context: context)
        }
        try await requireOpen(date, field: "entryDate", on: transaction, context: context)
        let accounts = try await accounts(entry.lines.map(\.accountCode), on: transaction, context: context)
        var check = Validation()
        for (index, line) in entry.lines.enumerated() {
            let field = "lines[\(index)]"
            guard let account = accounts[line.accountCode] else {
                check.fail("\(field).accountCode", "there is no account \(line.accountCode)")
                continue
            }
            check.require(
                !account.isGroup, "\(field).accountCode", "\(line.accountCode) is a group: post to an account under it")
            check.require(account.active, "\(field).accountCode", "\(line.accountCode) is inactive")
            if let control = account.control {
                if line.partyType != control {
                    check.fail("\(field).partyType", "\(line.accountCode) is a control account: name the \(control)")
                } else if let party = line.partyId,
                    !(try await partyExists(control, party, on: transaction, context: context))
                {
                    check.fail("\(field).partyId", "there is no \(control) \(party)")
                }
            } else if line.partyType != nil {
                check.fail("\(field).partyType", "\(line.accountCode) is not a control account: it takes no party")
            }
        }
        do { try check.check() } catch { throw CommandError(error) }
        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO journal_entries (entry_date, narration, reverses_entry_id)
            VALUES (\(date.description)::date, \(entry.narration.trimmingCharacters(in: .whitespacesAndNewlines)), \(reversing))
            RETURNING id
            """,
            logger: context.logger)
        let lines = entry.lines
        try await transaction.preparedExecute(
            """
            INSERT INTO journal_entry_lines (entry_id, line_number, account_id, party_type, party_id, debit_paise,
                                             credit_paise)
            SELECT \(id), n, a, NULLIF(t, ''), NULLIF(p, 0), d, c
              FROM unnest(\(lines.map { accounts[$0.accountCode]?.id ?? 0 })::bigint[],
                          \(lines.map { $0.partyType ?? "" })::text[], \(lines.map { $0.partyId ?? 0 })::bigint[],
                          \(lines.map { $0.debitPaise ?? 0 })::bigint[], \(lines.map { $0.creditPaise ?? 0 })::bigint[])
                   WITH ORDINALITY AS l(a, t, p, d, c, n)
            """,
            logger: context.logger)
        return id
    }

    /// Posts the entry that reverses entry `id`: its lines with debits and credits swapped.
    ///
    /// - Throws: ``CommandError`` `.notFound`, `.invalidState` when it was reversed
    ///   already or is itself a reversal.
    public static func reverse(
        _ id: Int64, _ reversal: JournalReversal, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        let found = try await transaction.preparedRows(
            """
            SELECT e.reverses_entry_id, (SELECT r.id FROM journal_entries r WHERE r.reverses_entry_id = e.id)
              FROM journal_entries e WHERE e.id = \(id) FOR UPDATE
            """,
            as: (Int64?, Int64?).self, logger: context.logger)
        guard let (reverses, reversedBy) = found.first else {
            throw CommandError(.notFound, "there is no journal entry \(id)")
        }
        if let reversedBy {
            throw CommandError(.invalidState, "journal entry \(id) was reversed by entry \(reversedBy)")
        }
        if let reverses {
            throw CommandError(
                .invalidState,
                "journal entry \(id) reverses entry \(reverses): post a new entry instead of reversing it")
        }
        let lines = try await transaction.preparedRows(
            """
            SELECT a.code, l.party_type, l.party_id, l.debit_paise, l.credit_paise
              FROM journal_entry_lines l JOIN accounts a ON a.id = l.account_id
             WHERE l.entry_id = \(id) ORDER BY l.line_number
            """,
            as: (String, String?, Int64?, Int64, Int64).self, logger: context.logger
        ).map { code, type, party, debit, credit in
            NewJournalLine(
                accountCode: code, partyType: type, partyId: party, debitPaise: credit == 0 ? nil : credit,
                creditPaise: debit == 0 ? nil : debit)
        }
        let entry = NewJournalEntry(
            entryDate: reversal.entryDate, narration: reversal.narration ?? "Reversal of journal entry \(id)",
            lines: lines)
        return try await post(entry, reversing: id, on: transaction, context: context)
    }

    // MARK: Payments

    /// Posts a customer receipt (`receipt`) or a vendor payment, with the allocations it
    /// names; returns its id.
    ///
    /// - Throws: ``CommandError`` `.invalid`: an unknown party, an account that is not
    ///   cash or bank, a date in the locked period, an allocation above what is outstanding.
    public static func post(
        _ payment: NewPayment, receipt: Bool, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try payment.validate(receipt: receipt) } catch { throw CommandError(error) }
        let party = receipt ? ("customer", payment.customerId ?? 0) : ("vendor", payment.vendorId ?? 0)
        // What the checks need, in one round trip: the business date, the lock date (read
        // FOR SHARE, as `lockDate` does), whether the party exists, and the account.
        let checks = try await transaction.preparedRows(
            """
            SELECT business_date()::text,
                   (SELECT lock_date::text FROM finance_settings WHERE id = 1 FOR SHARE),
                   EXISTS (SELECT 1 FROM \(unescaped: party.0 == "customer" ? "customers" : "vendors") WHERE id = \(party.1)),
                   a.id, a.is_group, a.active, a.role, g.role
              FROM (VALUES (1)) AS one (x)
              LEFT JOIN accounts a ON a.code = \(payment.accountCode)
              LEFT JOIN accounts g ON g.id = a.group_id
            """,
            as: (String, String?, Bool, Int64?, Bool?, Bool?, String?, String?).self, logger: context.logger)
        guard let (today, lockText, partyExists, accountID, isGroup, active, role, groupRole) = checks.first else {
            throw CommandError(.notFound, "the database gave no business date")
        }
        let date = try payment.paymentDate ?? CalendarDate(today)
        try refuseLocked(date, lockDate: try lockText.map { try CalendarDate($0) }, field: "paymentDate")
        var check = Validation()
        if accountID != nil {
            check.require(
                isGroup == false && active == true && (role == "cash" || groupRole == "bank_accounts"),
                "accountCode", "\(payment.accountCode) is not an active cash or bank account")
        } else {
            check.fail("accountCode", "there is no account \(payment.accountCode)")
        }
        if !partyExists {
            check.fail(receipt ? "customerId" : "vendorId", "there is no \(party.0) \(party.1)")
        }
        do { try check.check() } catch { throw CommandError(error) }
        let id = try await transaction.preparedInsertReturningID(
            """
            INSERT INTO payments (direction, customer_id, vendor_id, mode, reference, cheque_number, cheque_date,
                                  account_id, amount_paise, payment_date, narration)
            VALUES (\(receipt ? "receipt" : "payment"), \(payment.customerId), \(payment.vendorId), \(payment.mode),
                    \(Text.blankIsNil(payment.reference)), \(payment.chequeNumber), \(payment.chequeDate?.description)::date,
                    \(accountID ?? 0), \(payment.amountPaise), \(date.description)::date,
                    \(Text.blankIsNil(payment.narration)))
            RETURNING id
            """,
            logger: context.logger)
        if let allocations = payment.allocations, !allocations.isEmpty {
            // The payment is this transaction's own new row: nothing is allocated from it yet.
            try await allocate(
                PaymentToAllocate(id: id, receipt: receipt, party: party.1, amount: payment.amountPaise, allocated: 0),
                allocations, releasing: false, on: transaction, context: context)
        }
        return id
    }

    /// Allocates `allocations` of payment `id` to its party's invoices or bills, or, when
    /// `releasing`, gives them back. Changes only who owes what on which document: the
    /// payment's journal stays as it was posted.
    ///
    /// The payment's row is locked, then the documents' in id order, so concurrent
    /// allocations to one invoice queue and none takes it below zero.
    ///
    /// - Throws: ``CommandError`` `.notFound` (no payment), `.invalid` naming each
    ///   allocation that exceeds what is outstanding, allocated, or left of the payment.
    public static func allocate(
        _ id: Int64, _ allocations: [NewAllocation], releasing: Bool, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        let found = try await transaction.preparedRows(
            """
            SELECT p.direction, COALESCE(p.customer_id, p.vendor_id), p.amount_paise,
                   COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x WHERE x.payment_id = p.id), 0)::bigint
              FROM payments p WHERE p.id = \(id) FOR UPDATE
            """,
            as: (String, Int64, Int64, Int64).self, logger: context.logger)
        guard let (direction, party, amount, allocated) = found.first else {
            throw CommandError(.notFound, "there is no payment \(id)")
        }
        try await allocate(
            PaymentToAllocate(
                id: id, receipt: direction == "receipt", party: party, amount: amount, allocated: allocated),
            allocations, releasing: releasing, on: transaction, context: context)
    }

    /// A payment as allocating reads it, its row locked.
    struct PaymentToAllocate {
        var id: Int64
        var receipt: Bool
        /// The customer or vendor.
        var party: Int64
        var amount: Int64
        /// What is allocated from it so far.
        var allocated: Int64
    }

    /// Allocates `allocations` of `payment`, whose row this transaction holds locked.
    static func allocate(
        _ payment: PaymentToAllocate, _ allocations: [NewAllocation], releasing: Bool,
        on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        let (id, receipt, party, amount, allocated) = (
            payment.id, payment.receipt, payment.party, payment.amount, payment.allocated
        )
        var check = Validation()
        check.require(!allocations.isEmpty, "allocations", "name at least one invoice or bill")
        NewPayment.check(allocations, receipt: receipt, into: &check)
        do { try check.check() } catch { throw CommandError(error) }

        let documents = allocations.map { receipt ? $0.invoiceId ?? 0 : $0.vendorBillId ?? 0 }
        // Each document's party, outstanding amount and what this payment has allocated to it.
        let rows = try await transaction.preparedRows(
            receipt
                ? """
                SELECT i.id, i.customer_id, i.kind,
                       (i.total_paise
                        - COALESCE((SELECT sum(n.total_paise) FROM credit_notes n WHERE n.invoice_id = i.id), 0)
                        - COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x WHERE x.invoice_id = i.id), 0))::bigint,
                       COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x
                                  WHERE x.invoice_id = i.id AND x.payment_id = \(id)), 0)::bigint
                  FROM invoices i WHERE i.id = ANY(\(documents)) ORDER BY i.id FOR UPDATE OF i
                """
                : """
                SELECT b.id, b.vendor_id, 'bill',
                       (b.total_paise
                        - COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x WHERE x.vendor_bill_id = b.id), 0))::bigint,
                       COALESCE((SELECT sum(x.amount_paise) FROM payment_allocations x
                                  WHERE x.vendor_bill_id = b.id AND x.payment_id = \(id)), 0)::bigint
                  FROM vendor_bills b WHERE b.id = ANY(\(documents)) ORDER BY b.id FOR UPDATE OF b
                """,
            as: (Int64, Int64?, String, Int64, Int64).self, logger: context.logger)
        var known: [Int64: (party: Int64?, kind: String, outstanding: Int64, mine: Int64)] = [:]
        for (document, owner, kind, outstanding, mine) in rows { known[document] = (owner, kind, outstanding, mine) }
        let noun = receipt ? "invoice" : "vendor bill"
        let key = receipt ? "invoiceId" : "vendorBillId"
        for (index, (allocation, document)) in zip(allocations, documents).enumerated() {
            let field = "allocations[\(index)]"
            guard let found = known[document] else {
                check.fail("\(field).\(key)", "there is no \(noun) \(document)")
                continue
            }
            if found.party != party || found.kind == "counter_sale" {
                check.fail(
                    "\(field).\(key)",
                    found.kind == "counter_sale"
                        ? "invoice \(document) is a counter sale, paid when it was made"
                        : "\(noun) \(document) is not of this payment's \(receipt ? "customer" : "vendor") \(party)")
            } else if releasing {
                check.require(
                    allocation.amountPaise <= found.mine, "\(field).amountPaise",
                    "payment \(id) has \(Money(paise: found.mine)) allocated to \(noun) \(document)")
            } else {
                check.require(
                    allocation.amountPaise <= found.outstanding, "\(field).amountPaise",
                    "\(noun) \(document) has \(Money(paise: found.outstanding)) outstanding")
            }
        }
        let change = allocations.reduce(Int64(0)) { $0 + $1.amountPaise }
        if !releasing {
            check.require(
                allocated + change <= amount, "allocations",
                "payment \(id) has \(Money(paise: amount - allocated)) unallocated; these come to \(Money(paise: change))"
            )
        }
        do { try check.check() } catch { throw CommandError(error) }
        let sign: Int64 = releasing ? -1 : 1
        try await transaction.preparedExecute(
            """
            INSERT INTO payment_allocations (payment_id, invoice_id, vendor_bill_id, amount_paise)
            SELECT \(id), NULLIF(i, 0), NULLIF(b, 0), a
              FROM unnest(\(allocations.map { $0.invoiceId ?? 0 })::bigint[], \(allocations.map { $0.vendorBillId ?? 0 })::bigint[],
                          \(allocations.map { sign * $0.amountPaise })::bigint[]) WITH ORDINALITY AS u(i, b, a, n)
             ORDER BY n
            """,
            logger: context.logger)
    }

    // MARK: Accounts

    /// Adds an account or group under a group; returns its id.
    ///
    /// - Throws: ``CommandError`` `.invalid` for an unknown or inactive group, or one that
    ///   is not a group; a code in use is a 409 (`accounts_code_key`).
    public static func create(_ account: NewAccount, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try account.validate() } catch { throw CommandError(error) }
        let group = try await accounts([account.groupCode], on: transaction, context: context)[account.groupCode]
        guard let group, group.isGroup, group.active else {
            throw CommandError(
                .invalid, "the request has invalid fields",
                fieldErrors: [
                    FieldError(
                        "groupCode",
                        group == nil
                            ? "there is no account \(account.groupCode)" : "\(account.groupCode) is not an active group"
                    )
                ])
        }
        return try await transaction.preparedInsertReturningID(
            """
            INSERT INTO accounts (code, name, type, group_id, is_group)
            SELECT \(account.code), \(account.name.trimmingCharacters(in: .whitespacesAndNewlines)), g.type, g.id,
                   \(account.isGroup ?? false)
              FROM accounts g WHERE g.id = \(group.id)
            RETURNING id
            """,
            logger: context.logger)
    }

    /// Renames, deactivates or reactivates account `id`, at `version`.
    ///
    /// - Throws: ``CommandError`` `.invalid` when deactivating an account the posting
    ///   rules post to (by role or warehouse) or a group with active accounts;
    ///   `.versionMismatch`, `.notFound`.
    public static func update(
        id: Int64, version: Int, _ changes: AccountChanges, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        var check = Validation()
        check.text(changes.name, "name", maximum: 200, required: false)
        do { try check.check() } catch { throw CommandError(error) }
        let found = try await transaction.preparedRows(
            """
            SELECT a.version, a.role IS NOT NULL OR a.warehouse_id IS NOT NULL,
                   EXISTS (SELECT 1 FROM accounts c WHERE c.group_id = a.id AND c.active)
              FROM accounts a WHERE a.id = \(id) FOR UPDATE
            """,
            as: (Int, Bool, Bool).self, logger: context.logger)
        guard let (current, ruled, hasActive) = found.first else {
            throw CommandError(.notFound, "there is no account \(id)")
        }
        guard current == version else {
            throw CommandError(.versionMismatch, "account \(id) is at version \(current), not \(version)")
        }
        if changes.active == false {
            check.require(
                !ruled, "active", "the posting rules post to this account: it stays active (rename it if you like)")
            check.require(!hasActive, "active", "the group still has active accounts: deactivate them first")
        }
        do { try check.check() } catch { throw CommandError(error) }
        try await transaction.preparedExecute(
            """
            UPDATE accounts
               SET name = COALESCE(btrim(\(changes.name)), name), active = COALESCE(\(changes.active), active),
                   version = version + 1
             WHERE id = \(id)
            """,
            logger: context.logger)
    }

    // MARK: Lock date

    /// Moves the lock date forward; it stays before the business date, so that today's
    /// documents can always be posted.
    ///
    /// - Throws: ``CommandError`` `.invalid` for a date not after the current lock date or
    ///   not before the business date.
    public static func setLockDate(_ lock: LockDate, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        let current = try await transaction.preparedValue(
            "SELECT lock_date::text FROM finance_settings WHERE id = 1 FOR UPDATE", as: String?.self,
            logger: context.logger
        ).flatMap { $0 }.map { try CalendarDate($0) }
        let today = try await businessDate(on: transaction, context: context)
        var check = Validation()
        if let current {
            check.require(
                lock.lockDate > current, "lockDate",
                "the books are locked up to \(current): the lock date only moves forward")
        }
        check.require(
            lock.lockDate < today, "lockDate", "must be before the business date \(today): today's books stay open")
        do { try check.check() } catch { throw CommandError(error) }
        try await transaction.preparedExecute(
            "UPDATE finance_settings SET lock_date = \(lock.lockDate.description)::date, version = version + 1 WHERE id = 1",
            logger: context.logger)
    }
}
