// The trial balance as of a date, from the ledger's balances per account per day.
public import ERPKernel
import ERPStore
import Foundation
public import Logging
public import PostgresNIO

/// Each account's debits and credits up to a date, under its group, with totals that net
/// to zero.
public struct TrialBalance: Codable, Sendable, Hashable {
    /// One account's figures.
    public struct Row: Codable, Sendable, Hashable {
        /// Its code, e.g. `1100`.
        public var code: String
        /// Its name.
        public var name: String
        /// `asset`, `liability`, `equity`, `income` or `expense`.
        public var type: String
        /// The code of its group.
        public var groupCode: String?
        /// The name of its group.
        public var groupName: String?
        /// All debits posted to it up to the date, in paise.
        public var debitPaise: Int64
        /// All credits, in paise.
        public var creditPaise: Int64
        /// Debits less credits: positive is a debit balance.
        public var balancePaise: Int64
    }

    /// The last day counted.
    public var asOf: CalendarDate
    /// Accounts with postings, in code order.
    public var rows: [Row]
    /// Σ debits of every row.
    public var totalDebitPaise: Int64
    /// Σ credits of every row: equal to the debits.
    public var totalCreditPaise: Int64

    /// The trial balance as of `date` (the business date when `nil`), as the ledger
    /// projection has it.
    public static func asOf(_ date: CalendarDate?, on connection: PostgresConnection, logger: Logger) async throws
        -> TrialBalance
    {
        let today = try await connection.value("SELECT business_date()::text", as: String.self, logger: logger)
        guard let date = try date ?? today.map({ try CalendarDate($0) }) else {
            throw CommandError(.notFound, "the database gave no business date")
        }
        let rows = try await connection.rows(
            """
            SELECT a.code, a.name, a.type, g.code, g.name, sum(d.debit_paise)::bigint, sum(d.credit_paise)::bigint
              FROM ledger_account_days d
              JOIN accounts a ON a.id = d.account_id
              LEFT JOIN accounts g ON g.id = a.group_id
             WHERE d.posting_date <= \(date.description)::date
             GROUP BY a.id, g.id
             ORDER BY a.code
            """,
            as: (String, String, String, String?, String?, Int64, Int64).self, logger: logger
        ).map { code, name, type, groupCode, groupName, debit, credit in
            Row(
                code: code, name: name, type: type, groupCode: groupCode, groupName: groupName, debitPaise: debit,
                creditPaise: credit, balancePaise: debit - credit)
        }
        return TrialBalance(
            asOf: date, rows: rows, totalDebitPaise: rows.reduce(0) { $0 + $1.debitPaise },
            totalCreditPaise: rows.reduce(0) { $0 + $1.creditPaise })
    }

    /// The same figures as CSV, one row per account, then the totals.
    public var csv: String {
        var lines = ["code,name,type,group,debit_paise,credit_paise,balance_paise"]
        for row in rows {
            lines.append(
                [
                    row.code, row.name, row.type, row.groupName ?? "", "\(row.debitPaise)", "\(row.creditPaise)",
                    "\(row.balancePaise)",
                ].map(Self.field).joined(separator: ","))
        }
        lines.append(",Total,,,\(totalDebitPaise),\(totalCreditPaise),\(totalDebitPaise - totalCreditPaise)")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func field(_ text: String) -> String {
        text.contains(where: { ",\"\r\n".contains($0) })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

/// An account of the chart as the API shows it.
public struct AccountDocument: Codable, Sendable, Hashable {
    /// Its id.
    public var id: Int64
    /// Its code.
    public var code: String
    /// Its name.
    public var name: String
    /// `asset`, `liability`, `equity`, `income` or `expense`.
    public var type: String
    /// The code of its group; none for the five top groups.
    public var groupCode: String?
    /// Whether it is a group (holds accounts; takes no postings).
    public var isGroup: Bool
    /// `customer` or `vendor` for a control account, whose lines name the party.
    public var control: String?
    /// The warehouse of an inventory account.
    public var warehouseId: Int64?
    /// Whether it takes new postings.
    public var active: Bool
    /// Raised by every change; send it as If-Match.
    public var version: Int

    /// The whole chart, in code order.
    public static func chart(on connection: PostgresConnection, logger: Logger) async throws -> [AccountDocument] {
        try await connection.rows(
            """
            SELECT a.id, a.code, a.name, a.type, g.code, a.is_group, a.control, a.warehouse_id, a.active, a.version
              FROM accounts a LEFT JOIN accounts g ON g.id = a.group_id
             ORDER BY a.code
            """,
            as: (Int64, String, String, String, String?, Bool, String?, Int64?, Bool, Int).self, logger: logger
        ).map {
            AccountDocument(
                id: $0.0, code: $0.1, name: $0.2, type: $0.3, groupCode: $0.4, isGroup: $0.5, control: $0.6,
                warehouseId: $0.7, active: $0.8, version: $0.9)
        }
    }
}
