// The books read from the ledger projection: account statement, party ledger, day book,
// profit and loss, balance sheet, and receivables and payables by age.
public import ERPKernel
import ERPStore
import Foundation
public import Logging
public import PostgresNIO

/// A report that also reads as CSV.
public protocol CSVReport: Encodable, Sendable {
    /// The header and rows.
    var table: [[String]] { get }
}

extension CSVReport {
    /// RFC 4180 CSV of ``table``.
    public var csv: String {
        table.map { row in
            row.map { text in
                text.contains(where: { ",\"\r\n".contains($0) })
                    ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}

/// One posting in a statement, with the balance after it.
public struct StatementLine: Codable, Sendable, Hashable {
    /// The posting date.
    public var date: CalendarDate
    /// The journal's key: its event's position.
    public var journal: Int64
    /// What posted it, e.g. `invoice.issued`.
    public var eventType: String
    /// The document's number or reference.
    public var reference: String
    /// The account's code (in a party ledger, which has several).
    public var accountCode: String
    /// The debit in paise.
    public var debitPaise: Int64
    /// The credit in paise.
    public var creditPaise: Int64
    /// Debits less credits from the opening to this line.
    public var balancePaise: Int64
}

/// An account's or a party's postings from one date to another.
public struct Statement: CSVReport, Codable, Hashable {
    /// The account's code, for an account statement.
    public var accountCode: String?
    /// `customer` or `vendor`, for a party ledger.
    public var partyType: String?
    /// The party's id.
    public var partyId: Int64?
    /// The first day.
    public var from: CalendarDate
    /// The last day.
    public var to: CalendarDate
    /// Debits less credits before `from`.
    public var openingBalancePaise: Int64
    /// The postings, oldest first.
    public var lines: [StatementLine]
    /// Debits less credits up to `to`.
    public var closingBalancePaise: Int64

    /// The header, then a row per line.
    public var table: [[String]] {
        [
            ["date", "journal", "event", "reference", "account", "debit_paise", "credit_paise", "balance_paise"],
            ["\(from)", "", "", "opening balance", accountCode ?? "", "", "", "\(openingBalancePaise)"],
        ]
            + lines.map {
                [
                    "\($0.date)", "\($0.journal)", $0.eventType, $0.reference, $0.accountCode, "\($0.debitPaise)",
                    "\($0.creditPaise)", "\($0.balancePaise)",
                ]
            }
            + [["\(to)", "", "", "closing balance", accountCode ?? "", "", "", "\(closingBalancePaise)"]]
    }

    static let lineLimit = 10_000

    /// The statement of account `code`: the opening from the day balances, the lines of
    /// the period from the lines' (account, date) index.
    ///
    /// - Throws: ``CommandError`` `.notFound` for an unknown account, `.invalid` for a
    ///   period of more than 10,000 postings (ask for less at a time).
    public static func account(
        _ code: String, from: CalendarDate, to: CalendarDate, on connection: PostgresConnection, logger: Logger
    ) async throws -> Statement {
        guard
            let account = try await connection.value(
                "SELECT id FROM accounts WHERE code = \(code)", as: Int64.self, logger: logger)
        else { throw CommandError(.notFound, "there is no account \(code)") }
        let opening =
            try await connection.value(
                """
                SELECT COALESCE(sum(debit_paise - credit_paise), 0)::bigint FROM ledger_account_days
                 WHERE account_id = \(account) AND posting_date < \(from.description)::date
                """, as: Int64.self, logger: logger) ?? 0
        let rows = try await connection.rows(
            """
            SELECT l.posting_date::text, l.position, j.event_type, l.reference, \(code), l.debit_paise, l.credit_paise
              FROM ledger_lines l JOIN ledger_journals j ON j.position = l.position
             WHERE l.account_id = \(account) AND l.posting_date BETWEEN \(from.description)::date AND \(to.description)::date
             ORDER BY l.posting_date, l.position, l.line_number
             LIMIT \(lineLimit + 1)
            """,
            as: (String, Int64, String, String, String, Int64, Int64).self, logger: logger)
        return try Statement(
            accountCode: code, from: from, to: to, opening: opening, rows: rows)
    }

    /// The ledger of a customer or vendor on their control account.
    public static func party(
        _ type: String, _ id: Int64, from: CalendarDate, to: CalendarDate, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Statement {
        let opening =
            try await connection.value(
                """
                SELECT COALESCE(sum(debit_paise - credit_paise), 0)::bigint FROM ledger_lines
                 WHERE party_type = \(type) AND party_id = \(id) AND posting_date < \(from.description)::date
                """, as: Int64.self, logger: logger) ?? 0
        let rows = try await connection.rows(
            """
            SELECT l.posting_date::text, l.position, j.event_type, l.reference, a.code, l.debit_paise, l.credit_paise
              FROM ledger_lines l
              JOIN ledger_journals j ON j.position = l.position
              JOIN accounts a ON a.id = l.account_id
             WHERE l.party_type = \(type) AND l.party_id = \(id)
               AND l.posting_date BETWEEN \(from.description)::date AND \(to.description)::date
             ORDER BY l.posting_date, l.position, l.line_number
             LIMIT \(lineLimit + 1)
            """,
            as: (String, Int64, String, String, String, Int64, Int64).self, logger: logger)
        var statement = try Statement(accountCode: nil, from: from, to: to, opening: opening, rows: rows)
        statement.partyType = type
        statement.partyId = id
        return statement
    }

    init(
        accountCode: String?, from: CalendarDate, to: CalendarDate, opening: Int64,
        rows: [(String, Int64, String, String, String, Int64, Int64)]
    ) throws {
        guard rows.count <= Self.lineLimit else {
            throw CommandError(
                .invalid, "more than \(Self.lineLimit) postings from \(from) to \(to): ask for a shorter period",
                fieldErrors: [FieldError("to", "the period has more than \(Self.lineLimit) postings")])
        }
        var balance = opening
        var lines: [StatementLine] = []
        for (date, journal, event, reference, code, debit, credit) in rows {
            balance += debit - credit
            lines.append(
                StatementLine(
                    date: try CalendarDate(date), journal: journal, eventType: event, reference: reference,
                    accountCode: code, debitPaise: debit, creditPaise: credit, balancePaise: balance))
        }
        self.init(
            accountCode: accountCode, partyType: nil, partyId: nil, from: from, to: to, openingBalancePaise: opening,
            lines: lines, closingBalancePaise: balance)
    }

    init(
        accountCode: String?, partyType: String?, partyId: Int64?, from: CalendarDate, to: CalendarDate,
        openingBalancePaise: Int64, lines: [StatementLine], closingBalancePaise: Int64
    ) {
        self.accountCode = accountCode
        self.partyType = partyType
        self.partyId = partyId
        self.from = from
        self.to = to
        self.openingBalancePaise = openingBalancePaise
        self.lines = lines
        self.closingBalancePaise = closingBalancePaise
    }
}

/// Every journal of one day.
public struct DayBook: CSVReport, Codable, Hashable {
    /// One journal.
    public struct Entry: Codable, Sendable, Hashable {
        /// Its key: the event's position.
        public var journal: Int64
        /// What posted it.
        public var eventType: String
        /// The document's number or reference.
        public var reference: String
        /// Its lines.
        public var lines: [Line]
    }

    /// One line of a journal.
    public struct Line: Codable, Sendable, Hashable {
        /// The account's code.
        public var accountCode: String
        /// The account's name.
        public var accountName: String
        /// `customer` or `vendor`, on a control account.
        public var partyType: String?
        /// The party.
        public var partyId: Int64?
        /// The debit in paise.
        public var debitPaise: Int64
        /// The credit in paise.
        public var creditPaise: Int64
    }

    /// The day.
    public var date: CalendarDate
    /// Its journals, in log order.
    public var journals: [Entry]
    /// Σ debits (= Σ credits).
    public var totalPaise: Int64

    /// The header, then a row per line.
    public var table: [[String]] {
        var rows = [["journal", "event", "reference", "account", "name", "party", "debit_paise", "credit_paise"]]
        for entry in journals {
            for line in entry.lines {
                let party = line.partyType.map { "\($0) \(line.partyId ?? 0)" } ?? ""
                rows.append([
                    "\(entry.journal)", entry.eventType, entry.reference, line.accountCode, line.accountName, party,
                    "\(line.debitPaise)", "\(line.creditPaise)",
                ])
            }
        }
        return rows
    }

    /// The day book of `date`.
    public static func of(_ date: CalendarDate, on connection: PostgresConnection, logger: Logger) async throws
        -> DayBook
    {
        let rows = try await connection.rows(
            """
            SELECT j.position, j.event_type, j.reference, a.code, a.name, l.party_type, l.party_id, l.debit_paise,
                   l.credit_paise
              FROM ledger_journals j
              JOIN ledger_lines l ON l.position = j.position
              JOIN accounts a ON a.id = l.account_id
             WHERE j.posting_date = \(date.description)::date
             ORDER BY j.position, l.line_number
            """,
            as: (Int64, String, String, String, String, String?, Int64?, Int64, Int64).self, logger: logger)
        var journals: [Entry] = []
        for (position, event, reference, code, name, type, party, debit, credit) in rows {
            let line = Line(
                accountCode: code, accountName: name, partyType: type, partyId: party, debitPaise: debit,
                creditPaise: credit)
            if journals.last?.journal == position {
                journals[journals.count - 1].lines.append(line)
            } else {
                journals.append(Entry(journal: position, eventType: event, reference: reference, lines: [line]))
            }
        }
        return DayBook(date: date, journals: journals, totalPaise: rows.reduce(0) { $0 + $1.7 })
    }
}

/// Accounts of some types with their net figures, for profit and loss and the balance sheet.
public struct AccountFigure: Codable, Sendable, Hashable {
    /// The code.
    public var code: String
    /// The name.
    public var name: String
    /// Its group's name.
    public var groupName: String?
    /// In the account's natural sign: income, liabilities and equity as credits less
    /// debits, assets and expenses as debits less credits.
    public var amountPaise: Int64

    static func load(
        types: [String], from: CalendarDate?, to: CalendarDate, on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: [AccountFigure]] {
        let rows = try await connection.rows(
            """
            SELECT a.type, a.code, a.name, g.name,
                   (CASE WHEN a.type IN ('asset', 'expense') THEN 1 ELSE -1 END
                    * sum(d.debit_paise - d.credit_paise))::bigint
              FROM ledger_account_days d
              JOIN accounts a ON a.id = d.account_id
              LEFT JOIN accounts g ON g.id = a.group_id
             WHERE a.type = ANY(\(types)) AND d.posting_date <= \(to.description)::date
               AND d.posting_date >= COALESCE(\(from?.description)::date, '-infinity')
             GROUP BY a.id, g.id
            HAVING sum(d.debit_paise - d.credit_paise) <> 0
             ORDER BY a.code
            """,
            as: (String, String, String, String?, Int64).self, logger: logger)
        var figures: [String: [AccountFigure]] = [:]
        for (type, code, name, group, amount) in rows {
            figures[type, default: []].append(
                AccountFigure(code: code, name: name, groupName: group, amountPaise: amount))
        }
        return figures
    }
}

/// Income less expenses over a period.
public struct ProfitAndLoss: CSVReport, Codable, Hashable {
    /// The first day.
    public var from: CalendarDate
    /// The last day.
    public var to: CalendarDate
    /// Income accounts, credits less debits.
    public var income: [AccountFigure]
    /// Expense accounts, debits less credits.
    public var expenses: [AccountFigure]
    /// Σ income.
    public var totalIncomePaise: Int64
    /// Σ expenses.
    public var totalExpensesPaise: Int64
    /// Income less expenses: negative is a loss.
    public var netProfitPaise: Int64

    /// The header, a row per account, then the totals.
    public var table: [[String]] {
        [["section", "code", "name", "amount_paise"]]
            + income.map { ["income", $0.code, $0.name, "\($0.amountPaise)"] }
            + expenses.map { ["expenses", $0.code, $0.name, "\($0.amountPaise)"] }
            + [
                ["total income", "", "", "\(totalIncomePaise)"], ["total expenses", "", "", "\(totalExpensesPaise)"],
                ["net profit", "", "", "\(netProfitPaise)"],
            ]
    }

    /// Profit and loss from `from` to `to`.
    public static func of(
        from: CalendarDate, to: CalendarDate, on connection: PostgresConnection, logger: Logger
    ) async throws -> ProfitAndLoss {
        let figures = try await AccountFigure.load(
            types: ["income", "expense"], from: from, to: to, on: connection, logger: logger)
        let income = figures["income"] ?? []
        let expenses = figures["expense"] ?? []
        let totalIncome = income.reduce(0) { $0 + $1.amountPaise }
        let totalExpenses = expenses.reduce(0) { $0 + $1.amountPaise }
        return ProfitAndLoss(
            from: from, to: to, income: income, expenses: expenses, totalIncomePaise: totalIncome,
            totalExpensesPaise: totalExpenses, netProfitPaise: totalIncome - totalExpenses)
    }
}

/// Assets, liabilities and equity as of a date; the profit to date is shown with equity,
/// so that assets = liabilities + equity.
public struct BalanceSheet: CSVReport, Codable, Hashable {
    /// The day.
    public var asOf: CalendarDate
    /// Asset accounts, debits less credits.
    public var assets: [AccountFigure]
    /// Liability accounts, credits less debits.
    public var liabilities: [AccountFigure]
    /// Equity accounts, credits less debits.
    public var equity: [AccountFigure]
    /// Income less expenses of every period up to the date, not yet closed to equity.
    public var profitToDatePaise: Int64
    /// Σ assets.
    public var totalAssetsPaise: Int64
    /// Σ liabilities + Σ equity + the profit to date: equal to the assets.
    public var totalLiabilitiesAndEquityPaise: Int64

    /// The header, a row per account, then the totals.
    public var table: [[String]] {
        [["section", "code", "name", "amount_paise"]]
            + assets.map { ["assets", $0.code, $0.name, "\($0.amountPaise)"] }
            + liabilities.map { ["liabilities", $0.code, $0.name, "\($0.amountPaise)"] }
            + equity.map { ["equity", $0.code, $0.name, "\($0.amountPaise)"] }
            + [
                ["equity", "", "Profit to date", "\(profitToDatePaise)"],
                ["total assets", "", "", "\(totalAssetsPaise)"],
                ["total liabilities and equity", "", "", "\(totalLiabilitiesAndEquityPaise)"],
            ]
    }

    /// The balance sheet as of `date`.
    public static func of(_ date: CalendarDate, on connection: PostgresConnection, logger: Logger) async throws
        -> BalanceSheet
    {
        let figures = try await AccountFigure.load(
            types: ["asset", "liability", "equity", "income", "expense"], from: nil, to: date, on: connection,
            logger: logger)
        func total(_ type: String) -> Int64 { (figures[type] ?? []).reduce(0) { $0 + $1.amountPaise } }
        let profit = total("income") - total("expense")
        return BalanceSheet(
            asOf: date, assets: figures["asset"] ?? [], liabilities: figures["liability"] ?? [],
            equity: figures["equity"] ?? [], profitToDatePaise: profit, totalAssetsPaise: total("asset"),
            totalLiabilitiesAndEquityPaise: total("liability") + total("equity") + profit)
    }
}

/// What customers owe (receivables) or what is owed to vendors (payables), per document,
/// by days past its due date.
public struct Aging: CSVReport, Codable, Hashable {
    /// One open invoice or bill, or a debit note the vendor owes.
    public struct Item: Codable, Sendable, Hashable {
        /// `invoice`, `bill` or `debit_note` (a purchase return's billed value and tax,
        /// owed back by the vendor: negative, due on the day of the return).
        public var document: String
        /// The invoice, bill or purchase return.
        public var documentId: Int64
        /// Its number.
        public var number: String
        /// The customer or vendor.
        public var partyId: Int64
        /// Their name.
        public var partyName: String
        /// Its date.
        public var documentDate: CalendarDate
        /// Its date plus the party's payment terms.
        public var dueDate: CalendarDate
        /// Days past due on the report's date (negative: not yet due).
        public var daysPastDue: Int
        /// What it came to.
        public var totalPaise: Int64
        /// What is still owed.
        public var outstandingPaise: Int64
        /// `0-30`, `31-60`, `61-90`, `91-120` or `121+` days past due (not yet due is `0-30`).
        public var bucket: String
    }

    /// The buckets, in order.
    public static let buckets = ["0-30", "31-60", "61-90", "91-120", "121+"]

    /// `receivables` or `payables`.
    public var kind: String
    /// The day ages are counted to.
    public var asOf: CalendarDate
    /// Open documents, oldest due first.
    public var items: [Item]
    /// Σ outstanding per bucket, every bucket present.
    public var bucketsPaise: [String: Int64]
    /// Σ outstanding: the sum of the buckets.
    public var totalOutstandingPaise: Int64

    /// The header, then a row per document.
    public var table: [[String]] {
        [
            [
                "document", "id", "number", "party", "name", "date", "due", "days_past_due", "total_paise",
                "outstanding_paise",
                "bucket",
            ]
        ]
            + items.map {
                [
                    $0.document, "\($0.documentId)", $0.number, "\($0.partyId)", $0.partyName, "\($0.documentDate)",
                    "\($0.dueDate)",
                    "\($0.daysPastDue)", "\($0.totalPaise)", "\($0.outstandingPaise)", $0.bucket,
                ]
            }
    }

    /// Open B2B invoices (`receivables`) or vendor bills (`payables`) dated up to `date`,
    /// with what is outstanding on them now (total less credit notes and allocations),
    /// earliest due first. Payables also list each purchase return with billed units as a
    /// debit note, negative: a return is against a receipt, not a bill, so what the
    /// vendor owes back stands beside the order's bills (as the vendor's ledger has it)
    /// rather than being taken off one of them.
    ///
    /// Credit notes and allocations are summed per document once (in bigint, not numeric)
    /// and joined, rather than summed again for each document; open invoices are read
    /// from the `invoices_b2b_aging` index.
    public static func of(
        receivables: Bool, asOf date: CalendarDate, on connection: PostgresConnection, logger: Logger
    ) async throws -> Aging {
        let rows = try await connection.rows(
            receivables
                ? """
                SELECT i.id, i.number, c.id, c.name, i.invoice_date::text, d.due::text,
                       \(date.description)::date - d.due, i.total_paise, o.outstanding, 'invoice'
                  FROM invoices i
                  JOIN customers c ON c.id = i.customer_id
                  LEFT JOIN (SELECT invoice_id, sum(total_paise)::bigint AS paise FROM credit_notes
                              WHERE invoice_id IS NOT NULL GROUP BY invoice_id) n ON n.invoice_id = i.id
                  LEFT JOIN (SELECT invoice_id, sum(amount_paise)::bigint AS paise FROM payment_allocations
                              WHERE invoice_id IS NOT NULL GROUP BY invoice_id) x ON x.invoice_id = i.id
                 CROSS JOIN LATERAL (SELECT (i.total_paise - COALESCE(n.paise, 0) - COALESCE(x.paise, 0))::bigint
                                                AS outstanding) o
                 CROSS JOIN LATERAL (SELECT i.invoice_date + c.payment_terms_days AS due) d
                 WHERE i.kind = 'b2b' AND i.invoice_date <= \(date.description)::date AND o.outstanding > 0
                 ORDER BY d.due, i.id
                """
                : """
                SELECT b.id, b.bill_number, v.id, v.name, b.bill_date::text, d.due::text,
                       \(date.description)::date - d.due, b.total_paise, o.outstanding, 'bill'
                  FROM vendor_bills b
                  JOIN vendors v ON v.id = b.vendor_id
                  LEFT JOIN (SELECT vendor_bill_id, sum(amount_paise)::bigint AS paise FROM payment_allocations
                              WHERE vendor_bill_id IS NOT NULL GROUP BY vendor_bill_id) x ON x.vendor_bill_id = b.id
                 CROSS JOIN LATERAL (SELECT (b.total_paise - COALESCE(x.paise, 0))::bigint AS outstanding) o
                 CROSS JOIN LATERAL (SELECT b.bill_date + v.payment_terms_days AS due) d
                 WHERE b.bill_date <= \(date.description)::date AND o.outstanding > 0
                 UNION ALL
                SELECT r.id, 'return ' || r.id, v.id, v.name, r.returned_on::text, r.returned_on::text,
                       \(date.description)::date - r.returned_on, -n.paise, -n.paise, 'debit_note'
                  FROM purchase_returns r
                  JOIN vendors v ON v.id = r.vendor_id
                 CROSS JOIN LATERAL (
                       SELECT sum(CASE WHEN l.billed_taxable_paise = 0 THEN l.billed_quantity * l.unit_cost_paise
                                       ELSE l.billed_taxable_paise END
                                  + l.cgst_paise + l.sgst_paise + l.igst_paise)::bigint AS paise
                         FROM purchase_return_lines l WHERE l.return_id = r.id) n
                 WHERE r.returned_on <= \(date.description)::date AND n.paise > 0
                 ORDER BY 6, 10, 1
                """,
            as: (Int64, String?, Int64, String, String, String, Int, Int64, Int64, String).self, logger: logger)
        var items: [Item] = []
        items.reserveCapacity(rows.count)
        var buckets = Dictionary(uniqueKeysWithValues: Self.buckets.map { ($0, Int64(0)) })
        for (id, number, party, name, documentDate, due, days, total, outstanding, document) in rows {
            let bucket = Self.bucket(daysPastDue: days)
            buckets[bucket, default: 0] += outstanding
            items.append(
                Item(
                    document: document, documentId: id, number: number ?? "", partyId: party, partyName: name,
                    documentDate: try CalendarDate(documentDate), dueDate: try CalendarDate(due), daysPastDue: days,
                    totalPaise: total, outstandingPaise: outstanding, bucket: bucket))
        }
        return Aging(
            kind: receivables ? "receivables" : "payables", asOf: date, items: items, bucketsPaise: buckets,
            totalOutstandingPaise: items.reduce(0) { $0 + $1.outstandingPaise })
    }

    /// The bucket of a document `days` past due.
    public static func bucket(daysPastDue days: Int) -> String {
        switch days {
        case ...30: "0-30"
        case 31...60: "31-60"
        case 61...90: "61-90"
        case 91...120: "91-120"
        default: "121+"
        }
    }
}
