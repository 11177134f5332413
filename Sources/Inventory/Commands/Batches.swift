// Finding batches by product and batch number, and creating them on first receipt.
public import ERPKernel
public import ERPStore
import Logging
import MasterData
public import PostgresNIO

/// A batch as commands need it.
struct ResolvedBatch: Sendable {
    var id: Int64
    var expiresOn: String
    /// Expired on the business date (its expiry is before today in India).
    var expired: Bool
}

/// Batches: found by product and batch number, created on first receipt.
public enum Batches {
    /// The batch of each (product, batch number), in the order asked.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming each line whose product or batch does not exist.
    static func resolve(
        _ lines: [(product: Int64, batchNumber: String)], on transaction: PostgresConnection, context: CommandContext
    ) async throws -> [ResolvedBatch] {
        let rows = try await transaction.preparedRows(
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

    /// The batch id of each of `batches`: batches seen for the first time are created; a
    /// known batch must carry the same expiry date.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming `<field>.expiresOn` of each batch
    ///   already recorded with another expiry.
    public static func register(
        _ batches: [NewBatch], on transaction: PostgresConnection, context: CommandContext
    ) async throws -> [Int64] {
        // Arrays cannot carry NULL here: '' is no manufacturing date and -1 no MRP.
        // Inserted in key order: two receipts creating the same batches queue, never deadlock.
        try await transaction.preparedExecute(
            """
            INSERT INTO batches (product_id, batch_number, manufactured_on, expires_on, mrp_paise)
            SELECT u.p, u.number, NULLIF(u.made, '')::date, u.expires::date, COALESCE(NULLIF(u.mrp, -1), products.mrp_paise)
              FROM unnest(\(batches.map(\.productID))::bigint[], \(batches.map(\.batchNumber))::text[],
                          \(batches.map { $0.manufacturedOn?.description ?? "" })::text[],
                          \(batches.map(\.expiresOn.description))::text[], \(batches.map { $0.mrp ?? -1 })::bigint[])
                   AS u(p, number, made, expires, mrp)
              JOIN products ON products.id = u.p
             ORDER BY u.p, u.number
            ON CONFLICT (product_id, batch_number) DO NOTHING
            """,
            logger: context.logger
        )
        let rows = try await transaction.preparedRows(
            """
            SELECT b.id, b.expires_on::text
              FROM unnest(\(batches.map(\.productID))::bigint[], \(batches.map(\.batchNumber))::text[])
                   WITH ORDINALITY AS u(p, number, n)
              JOIN batches b ON (b.product_id, b.batch_number) = (u.p, u.number)
             ORDER BY u.n
            """,
            as: (Int64, String).self, logger: context.logger
        )
        var check = Validation()
        for (batch, (_, expiresOn)) in zip(batches, rows) where expiresOn != batch.expiresOn.description {
            check.fail(
                "\(batch.field).expiresOn", "batch \(batch.batchNumber) is already recorded with expiry \(expiresOn)")
        }
        do { try check.check() } catch { throw CommandError(error) }
        return rows.map(\.0)
    }
}

/// A batch as a receipt names it.
public struct NewBatch: Sendable {
    /// Its product.
    public var productID: Int64
    /// As printed on the pack.
    public var batchNumber: String
    /// Its expiry date.
    public var expiresOn: CalendarDate
    /// Its manufacturing date, if printed.
    public var manufacturedOn: CalendarDate?
    /// Its MRP in paise; the product's when absent.
    public var mrp: Int64?
    /// The request field that named it, e.g. `lines[2]`, for refusals.
    public var field: String

    /// A batch.
    public init(
        productID: Int64, batchNumber: String, expiresOn: CalendarDate, manufacturedOn: CalendarDate?, mrp: Int64?,
        field: String
    ) {
        self.productID = productID
        self.batchNumber = batchNumber
        self.expiresOn = expiresOn
        self.manufacturedOn = manufacturedOn
        self.mrp = mrp
        self.field = field
    }
}
