// Which batches a sale or a delivery takes: the one named, or the earliest-expiring ones
// with stock (FEFO), never an expired one and none with less shelf life left than the
// buyer accepts.
import ERPKernel
import ERPStore
import Foundation
import Inventory
import PostgresNIO

/// Picks batches for lines of products leaving one warehouse.
enum BatchPicker {
    /// What one line asks for.
    struct Request {
        /// The field the line came from, e.g. `lines[2]`.
        var field: String
        var product: Int64
        var quantity: Int64
        /// The batch the buyer named, if any.
        var batchNumber: String?
    }

    /// A line's quantity from one batch.
    struct Piece {
        /// The index of the request it serves.
        var request: Int
        var product: Int64
        var batch: Int64
        var batchNumber: String
        var quantity: Int64
        var mrp: Int64
    }

    /// The batches `requests` take from `warehouse`, in request order, each batch with
    /// at least `shelfLifeDays` left after the business date.
    ///
    /// The candidate on-hand rows are locked in StockLedger's key order, so that two
    /// commands picking the same batch queue (the second sees what the first left)
    /// instead of both taking it; then they are taken earliest expiry first.
    ///
    /// - Throws: ``CommandError`` `.invalid` for a named batch that does not exist, has
    ///   expired or is too short-dated; `.insufficientStock` when too little is sellable.
    static func pick(
        _ requests: [Request], warehouse: Int64, shelfLifeDays: Int = 0, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws -> [Piece] {
        let products = requests.map(\.product)
        let stock = try await transaction.preparedRows(
            """
            SELECT s.product_id, s.batch_id, b.batch_number, b.mrp_paise, s.quantity, b.expires_on::text
              FROM stock_on_hand s JOIN batches b ON b.id = s.batch_id
             WHERE s.warehouse_id = \(warehouse) AND s.product_id = ANY(\(products))
               AND s.quantity > 0 AND b.expires_on >= business_date() + \(shelfLifeDays)::integer
             ORDER BY s.product_id, s.warehouse_id, s.batch_id
               FOR UPDATE OF s
            """,
            as: (Int64, Int64, String, Int64, Int64, String).self, logger: context.logger
        ).sorted { ($0.0, $0.5, $0.1) < ($1.0, $1.5, $1.1) }
        var left: [Int64: Int64] = [:]
        for row in stock { left[row.1] = row.4 }
        var named: [Int: (id: Int64, number: String, mrp: Int64, expired: Bool, short: Bool, expiresOn: String)] = [:]
        if requests.contains(where: { $0.batchNumber != nil }) {
            let rows = try await transaction.preparedRows(
                """
                SELECT u.n, b.id, b.batch_number, b.mrp_paise, b.expires_on < business_date(),
                       b.expires_on < business_date() + \(shelfLifeDays)::integer, b.expires_on::text
                  FROM unnest(\(products)::bigint[], \(requests.map { $0.batchNumber ?? "" })::text[])
                       WITH ORDINALITY AS u(p, n_, n)
                  JOIN batches b ON b.product_id = u.p AND b.batch_number = u.n_
                """,
                as: (Int, Int64, String, Int64, Bool, Bool, String).self, logger: context.logger)
            for (n, id, number, mrp, expired, short, expiresOn) in rows {
                named[n - 1] = (id, number, mrp, expired, short, expiresOn)
            }
        }
        var check = Validation()
        var pieces: [Piece] = []
        for (index, request) in requests.enumerated() {
            if let batchNumber = request.batchNumber {
                guard let batch = named[index] else {
                    check.fail("\(request.field).batchNumber", "product \(request.product) has no batch \(batchNumber)")
                    continue
                }
                if batch.expired {
                    check.fail(
                        "\(request.field).batchNumber",
                        "batch \(batchNumber) expired on \(batch.expiresOn): it is not sold")
                    continue
                }
                if batch.short {
                    check.fail(
                        "\(request.field).batchNumber",
                        "batch \(batchNumber) expires on \(batch.expiresOn): the buyer takes only batches with \(shelfLifeDays) days of shelf life left"
                    )
                    continue
                }
                // StockLedger refuses the line if the batch has too little.
                left[batch.id, default: 0] -= request.quantity
                pieces.append(
                    Piece(
                        request: index, product: request.product, batch: batch.id, batchNumber: batch.number,
                        quantity: request.quantity, mrp: batch.mrp))
                continue
            }
            var wanted = request.quantity
            for (product, batch, number, mrp, _, _) in stock where product == request.product && wanted > 0 {
                let take = min(wanted, left[batch, default: 0])
                guard take > 0 else { continue }
                left[batch, default: 0] -= take
                wanted -= take
                pieces.append(
                    Piece(request: index, product: product, batch: batch, batchNumber: number, quantity: take, mrp: mrp)
                )
            }
            if wanted > 0 {
                let sellable =
                    shelfLifeDays > 0 ? "with \(shelfLifeDays) days of shelf life left" : "sellable (unexpired)"
                throw CommandError(
                    .insufficientStock,
                    "\(request.field): product \(request.product) has \(request.quantity - wanted) \(sellable) in warehouse \(warehouse), \(request.quantity) requested",
                    fieldErrors: [
                        FieldError(
                            "\(request.field).quantity", "only \(request.quantity - wanted) \(sellable) available")
                    ])
            }
        }
        do { try check.check() } catch { throw CommandError(error) }
        return pieces
    }
}
