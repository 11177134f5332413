// Finding batches by product and batch number, and creating them on first receipt.
import ERPDomain
import Logging
import PostgresNIO

/// A batch as commands need it.
struct ResolvedBatch: Sendable {
    var id: Int64
    var expiresOn: String
    /// Expired on the business date (its expiry is before today in India).
    var expired: Bool
}

enum Batches {
    /// The batch of each (product, batch number), in the order asked.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming each line whose product or batch does not exist.
    static func resolve(_ lines: [(product: Int64, batchNumber: String)], on transaction: PostgresConnection, context: CommandContext) async throws -> [ResolvedBatch] {
        let rows = try await transaction.rows(
            """
            SELECT u.n, p.id IS NOT NULL, b.id, b.expires_on::text, b.expires_on < business_date()
              FROM unnest(\(lines.map(\.product))::bigint[], \(lines.map(\.batchNumber))::text[]) WITH ORDINALITY AS u(product_id, batch_number, n)
              LEFT JOIN products p ON p.id = u.product_id
              LEFT JOIN batches b ON (b.product_id, b.batch_number) = (u.product_id, u.batch_number)
             ORDER BY u.n
            """,
            as: (Int64, Bool, Int64?, String?, Bool?).self, logger: context.logger
        )
        var check = Validation()
        var batches: [ResolvedBatch] = []
        for (index, (row, line)) in zip(rows, lines).enumerated() {
            let (_, productExists, id, expiresOn, expired) = row
            guard productExists else {
                check.fail("lines[\(index)].productId", "there is no product \(line.product)")
                continue
            }
            guard let id, let expiresOn, let expired else {
                check.fail("lines[\(index)].batchNumber", "product \(line.product) has no batch \(line.batchNumber)")
                continue
            }
            batches.append(ResolvedBatch(id: id, expiresOn: expiresOn, expired: expired))
        }
        do { try check.check() } catch { throw CommandError(error) }
        return batches
    }
}
