public import ERPJobs
// Reorder suggestions: draft purchase orders for stock below its reorder level.
import ERPKernel
import ERPStore
import Foundation
import Inventory
public import Logging
import MasterData
public import PostgresNIO

/// `purchasing.reorder_suggestions`: for each product × warehouse whose usable stock
/// (batches not yet expired) is below the product's reorder level, drafts a purchase
/// order line; lines are grouped into one draft order per preferred vendor × warehouse.
///
/// - The quantity is the product's reorder quantity, or the shortfall if that is larger.
/// - The unit cost is the last cost on an order to that vendor, else 0 (to be priced
///   before approval).
/// - Only places the product has been stocked in are considered.
/// - A product × warehouse with an open order (draft, approved or partially received)
///   still to be received is skipped, so running the job again drafts nothing twice.
/// - Products without a preferred vendor are skipped and counted in the log.
///
/// The orders go through ``PurchaseOrderCommands/create(_:on:context:)``, the same command
/// as the API, so they are validated and recorded as events like any other. Each vendor ×
/// warehouse is drafted under a savepoint of its own: one that fails (a product whose
/// figures no order can carry) leaves the others drafted, and the attempt then fails
/// naming it, so the retry drafts only what is still missing.
public struct ReorderSuggestions: JobHandler, JobDefinition {
    /// It takes no input.
    public typealias Payload = NoPayload
    /// `purchasing.reorder_suggestions`.
    public static let kind = "purchasing.reorder_suggestions"
    /// `default`.
    public static let queue = "default"

    /// `purchasing.reorder_suggestions`.
    public var kind: String { Self.kind }
    /// Five minutes.
    public var timeout: Duration { .seconds(300) }
    let client: PostgresClient

    /// Creates the handler.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// Runs one attempt of the job.
    public func perform(_ job: ClaimedJob, logger: Logger) async throws {
        let context = CommandContext(actor: "job:\(Self.kind)", requestID: "job-\(job.id)", logger: logger)
        let (orders, unassigned, failures) = try await client.withLiveConnection { connection in
            try await connection.inTransaction(logger: logger) { transaction in
                try await context.apply(to: transaction)
                // One suggestion run at a time: two would both see no open order.
                try await transaction.execute("SELECT pg_advisory_xact_lock(hashtext(\(Self.kind)))", logger: logger)
                let short = try await transaction.rows(
                    """
                    SELECT p.id, s.warehouse_id, p.preferred_vendor_id, v.active,
                           greatest(p.reorder_quantity, p.reorder_level - s.usable),
                           COALESCE((SELECT l.unit_cost_paise
                                       FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.order_id
                                      WHERE l.product_id = p.id AND o.vendor_id = p.preferred_vendor_id AND o.status <> 'cancelled'
                                      ORDER BY o.id DESC LIMIT 1), 0)
                      FROM (SELECT h.product_id, h.warehouse_id,
                                   COALESCE(sum(h.quantity) FILTER (WHERE b.expires_on >= business_date()), 0)::bigint AS usable
                              FROM stock_on_hand h JOIN batches b ON b.id = h.batch_id
                             GROUP BY h.product_id, h.warehouse_id) s
                      JOIN products p ON p.id = s.product_id
                      JOIN warehouses w ON w.id = s.warehouse_id
                      LEFT JOIN vendors v ON v.id = p.preferred_vendor_id
                     WHERE p.active AND w.active AND p.reorder_level > 0 AND s.usable < p.reorder_level
                       AND NOT EXISTS (
                           SELECT FROM purchase_order_lines l JOIN purchase_orders o ON o.id = l.order_id
                            WHERE l.product_id = p.id AND o.warehouse_id = s.warehouse_id
                              AND o.status IN ('draft', 'approved', 'partially_received')
                              AND l.received_quantity < l.quantity)
                     ORDER BY p.preferred_vendor_id, s.warehouse_id, p.id
                    """,
                    as: (Int64, Int64, Int64?, Bool?, Int64, Int64).self, logger: logger
                )
                var lines: [Pair: [NewPurchaseOrder.Line]] = [:]
                var unassigned = 0
                for (product, warehouse, vendor, vendorActive, quantity, cost) in short {
                    guard let vendor, vendorActive == true else {
                        unassigned += 1
                        continue
                    }
                    lines[Pair(vendor: vendor, warehouse: warehouse), default: []]
                        .append(.init(productId: product, quantity: quantity, unitCost: cost))
                }
                var orders: [Int64] = []
                var failures: [String] = []
                for (pair, lines) in lines.sorted(by: {
                    ($0.key.vendor, $0.key.warehouse) < ($1.key.vendor, $1.key.warehouse)
                }) {
                    let order = NewPurchaseOrder(
                        vendorId: pair.vendor, warehouseId: pair.warehouse,
                        note:
                            "Reorder suggestion: stock below reorder level. Check quantities and costs, then approve.",
                        lines: lines
                    )
                    try await transaction.query("SAVEPOINT reorder_pair", logger: logger)
                    do {
                        orders.append(try await PurchaseOrderCommands.create(order, on: transaction, context: context))
                        try await transaction.query("RELEASE SAVEPOINT reorder_pair", logger: logger)
                    } catch let refusal as CommandError {
                        try await transaction.query("ROLLBACK TO SAVEPOINT reorder_pair", logger: logger)
                        let name = try await Self.describe(pair, on: transaction, logger: logger)
                        logger.error(
                            "reorder suggestion not drafted", metadata: ["for": "\(name)", "error": "\(refusal)"])
                        failures.append("\(name): \(refusal)")
                    }
                }
                return (orders, unassigned, failures)
            }
        }
        logger.info(
            "reorder suggestions drafted",
            metadata: [
                "purchaseOrders": "\(orders)", "skippedWithoutPreferredVendor": "\(unassigned)",
                "failed": "\(failures.count)",
            ]
        )
        if !failures.isEmpty {
            throw DraftsFailed(failures: failures)
        }
    }

    /// Some vendor × warehouse drafts were refused; the others were drafted.
    struct DraftsFailed: Error, CustomStringConvertible {
        var failures: [String]
        var description: String {
            let count = failures.count
            return "\(count) reorder draft\(count == 1 ? " was" : "s were") refused: "
                + failures.joined(separator: "; ")
        }
    }

    /// `vendor 3 (Bharat Homoeo Pharma) × warehouse 2 (MUM)`.
    private static func describe(_ pair: Pair, on transaction: PostgresConnection, logger: Logger) async throws
        -> String
    {
        let names = try await transaction.rows(
            "SELECT (SELECT name FROM vendors WHERE id = \(pair.vendor)), (SELECT code FROM warehouses WHERE id = \(pair.warehouse))",
            as: (String?, String?).self, logger: logger
        ).first
        return "vendor \(pair.vendor) (\(names?.0 ?? "?")) × warehouse \(pair.warehouse) (\(names?.1 ?? "?"))"
    }

    private struct Pair: Hashable {
        var vendor: Int64
        var warehouse: Int64
    }
}
