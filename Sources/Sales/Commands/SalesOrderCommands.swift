// B2B sales orders: a draft is taken, confirmed (credit check, stock reserved) or
// cancelled (the reservation given back). Each runs inside the caller's transaction; the
// triggers record sales_order.confirmed and sales_order.cancelled.
import ERPKernel
public import ERPStore
import Foundation
import Inventory
public import PostgresNIO

/// Sales orders.
public enum SalesOrderCommands {
    /// Takes `order` as a draft and returns its id.
    ///
    /// - Throws: ``CommandError`` `.invalid` for a field, an unknown or inactive
    ///   customer, warehouse or product.
    public static func create(_ order: NewSalesOrder, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try order.validate() } catch { throw CommandError(error) }
        let found = try await transaction.rows(
            """
            SELECT (SELECT active FROM customers WHERE id = \(order.customerId)),
                   (SELECT active FROM warehouses WHERE id = \(order.warehouseId)),
                   (SELECT array_agg(id) FROM products WHERE id = ANY(\(order.lines.map(\.productId))) AND active)
            """,
            as: (Bool?, Bool?, [Int64]?).self, logger: context.logger
        ).first
        var check = Validation()
        check.require(found?.0 == true, "customerId", "there is no active customer \(order.customerId)")
        check.require(found?.1 == true, "warehouseId", "there is no active warehouse \(order.warehouseId)")
        let products = Set(found?.2 ?? [])
        for (index, line) in order.lines.enumerated() where !products.contains(line.productId) {
            check.fail("lines[\(index)].productId", "there is no active product \(line.productId)")
        }
        do { try check.check() } catch { throw CommandError(error) }
        let id = try await transaction.insertReturningID(
            """
            INSERT INTO sales_orders (customer_id, warehouse_id, reference)
            VALUES (\(order.customerId), \(order.warehouseId), \(Text.blankIsNil(order.reference)))
            RETURNING id
            """,
            logger: context.logger)
        try await transaction.execute(
            """
            INSERT INTO sales_order_lines (order_id, line_number, product_id, quantity, rate_paise, discount_basis_points,
                                           discount_paise)
            SELECT \(id), n, p, q, r, NULLIF(dp, -1), NULLIF(da, -1)
              FROM unnest(\(order.lines.map(\.productId))::bigint[], \(order.lines.map(\.quantity))::bigint[],
                          \(order.lines.map(\.ratePaise))::bigint[],
                          \(order.lines.map { $0.discountPercentBasisPoints ?? -1 })::bigint[],
                          \(order.lines.map { $0.discountPaise ?? -1 })::bigint[])
                   WITH ORDINALITY AS l(p, q, r, dp, da, n)
            """,
            logger: context.logger)
        return id
    }

    /// Confirms draft `id`: checks the customer's credit and reserves each line's
    /// quantity in the order's warehouse.
    ///
    /// - Parameter mayExceedCreditLimit: The caller holds `sales.override_credit_limit`.
    /// - Throws: ``CommandError`` `.notFound`; `.invalidState` when it is not a draft;
    ///   `.creditLimitExceeded` naming the figures; `.insufficientStock` when a line
    ///   cannot be reserved; `.invalid` when the customer's drug licence has lapsed.
    public static func confirm(
        id: Int64, mayExceedCreditLimit: Bool, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        let order = try await lockedOrder(id, on: transaction, context: context)
        guard order.status == "draft" else {
            throw CommandError(.invalidState, "sales order \(id) is \(order.status): only a draft can be confirmed")
        }
        let company = try await PartyCommands.completeCompany(on: transaction, logger: context.logger)
        let date = try await SaleParties.businessDate(on: transaction, context: context)
        // Locked: two confirmations (or an invoice) for one customer check credit in turn.
        let customer = try await SaleParties.customer(order.customerId, lock: true, on: transaction, context: context)
        let lines = try await transaction.rows(
            """
            SELECT line_number, product_id, quantity, rate_paise, discount_basis_points::bigint, discount_paise
              FROM sales_order_lines WHERE order_id = \(id) ORDER BY line_number
            """,
            as: (Int, Int64, Int64, Int64, Int64?, Int64?).self, logger: context.logger)
        let products = try await CounterSaleCommand.products(lines.map(\.1), on: date, transaction, context)
        try SaleParties.requireLicence(
            of: customer, on: date, selling: lines.compactMap { products[$0.1]?.hsn })
        var check = Validation()
        var taxes: [LineTax] = []
        for (number, product, quantity, rate, percent, amount) in lines {
            guard let gst = products[product]?.rate else {
                check.fail("lines[\(number - 1)].productId", "product \(product) has no GST rate effective on \(date)")
                continue
            }
            let discount: LineDiscount =
                amount.map { .amount(Money(paise: $0)) } ?? percent.map { .percent(basisPoints: $0) } ?? .none
            taxes.append(
                LineTax(
                    quantity: quantity, unitPrice: Money(paise: rate), discount: discount, basis: .exclusive,
                    rateBasisPoints: gst, interState: customer.stateCode != company.stateCode))
        }
        do { try check.check() } catch { throw CommandError(error) }
        let total = DocumentTotals(taxes).grandTotal
        let owed = try await SaleParties.receivables(of: customer.id, on: transaction, context: context)
        if owed + total > Money(paise: customer.creditLimitPaise), !mayExceedCreditLimit {
            throw CommandError(
                .creditLimitExceeded,
                "customer \(customer.id) (\(customer.name)) owes \(owed) on open invoices; with this order's \(total) that is \(owed + total), over the credit limit of \(Money(paise: customer.creditLimitPaise)). Someone holding sales.override_credit_limit may confirm it."
            )
        }
        try await StockLedger.reserve(
            lines.map { number, product, quantity, _, _, _ in
                StockReservation(
                    product: product, warehouse: order.warehouseId, quantity: quantity, field: "lines[\(number - 1)]")
            },
            expiringOnOrAfter: customer.minimumShelfLifeDays > 0
                ? date.adding(days: customer.minimumShelfLifeDays) : nil, on: transaction, context: context)
        try await transaction.execute(
            """
            UPDATE sales_orders
               SET status = 'confirmed', total_paise = \(total.paise), confirmed_at = now(), version = version + 1,
                   updated_at = now()
             WHERE id = \(id)
            """,
            logger: context.logger)
    }

    /// Cancels `id` while nothing of it is delivered, giving back what it reserved.
    ///
    /// - Throws: ``CommandError`` `.notFound`; `.invalidState` once anything is
    ///   delivered or it is cancelled already.
    public static func cancel(id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws {
        let order = try await lockedOrder(id, on: transaction, context: context)
        guard order.status == "draft" || order.status == "confirmed" else {
            throw CommandError(
                .invalidState,
                "sales order \(id) is \(order.status): only a draft or a confirmed order with nothing delivered can be cancelled"
            )
        }
        if order.status == "confirmed" {
            let lines = try await transaction.rows(
                "SELECT line_number, product_id, quantity FROM sales_order_lines WHERE order_id = \(id)",
                as: (Int, Int64, Int64).self, logger: context.logger)
            try await StockLedger.reserve(
                lines.map { number, product, quantity in
                    StockReservation(
                        product: product, warehouse: order.warehouseId, quantity: -quantity,
                        field: "lines[\(number - 1)]")
                }, on: transaction, context: context)
        }
        try await transaction.execute(
            """
            UPDATE sales_orders SET status = 'cancelled', version = version + 1, updated_at = now() WHERE id = \(id)
            """,
            logger: context.logger)
    }

    struct LockedOrder {
        var status: String
        var customerId: Int64
        var warehouseId: Int64
    }

    static func lockedOrder(_ id: Int64, on transaction: PostgresConnection, context: CommandContext) async throws
        -> LockedOrder
    {
        guard
            let (status, customer, warehouse) = try await transaction.rows(
                "SELECT status, customer_id, warehouse_id FROM sales_orders WHERE id = \(id) FOR UPDATE",
                as: (String, Int64, Int64).self, logger: context.logger
            ).first
        else { throw CommandError(.notFound, "there is no sales order \(id)") }
        return LockedOrder(status: status, customerId: customer, warehouseId: warehouse)
    }
}

/// What selling to a customer checks of them.
enum SaleParties {
    /// The business date (Asia/Kolkata unless set otherwise).
    static func businessDate(on transaction: PostgresConnection, context: CommandContext) async throws
        -> CalendarDate
    {
        guard
            let today = try await transaction.value(
                "SELECT business_date()::text", as: String.self, logger: context.logger),
            let date = try? CalendarDate(today)
        else { throw CommandError(.notFound, "the database gave no business date") }
        return date
    }

    /// Customer `id` if active, its row locked when `lock`.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming `customerId`.
    static func customer(_ id: Int64, lock: Bool, on transaction: PostgresConnection, context: CommandContext)
        async throws -> CustomerDocument
    {
        if lock {
            try await transaction.execute("SELECT 1 FROM customers WHERE id = \(id) FOR UPDATE", logger: context.logger)
        }
        guard
            case .some(.some(let json)) = try await transaction.value(
                "SELECT customer_document(jsonb_build_object('id', \(id)::bigint))::text", as: String?.self,
                logger: context.logger),
            let customer = try? PostgresJSON.decoder().decode(CustomerDocument.self, from: Data(json.utf8)),
            customer.active
        else {
            throw CommandError(
                InvalidFields(errors: [FieldError("customerId", "there is no active customer \(id)")]))
        }
        return customer
    }

    /// Medicines (HSN chapter 30) are sold only to a customer holding a drug licence valid
    /// on `date`.
    ///
    /// - Throws: ``CommandError`` `.invalid` naming the customer's licences.
    static func requireLicence(of customer: CustomerDocument, on date: CalendarDate, selling hsnCodes: [String])
        throws
    {
        guard hsnCodes.contains(where: { $0.hasPrefix("30") }) else { return }
        guard !customer.drugLicences.contains(where: { $0.isValid(on: date) }) else { return }
        let lapsed = customer.drugLicences.map { "\($0.number) (valid until \($0.validUntil))" }
        throw CommandError(
            .invalid,
            "customer \(customer.id) (\(customer.name)) holds no drug licence valid on \(date)\(lapsed.isEmpty ? "" : ": " + lapsed.joined(separator: ", ")); medicines are not sold to them until it is renewed",
            fieldErrors: [FieldError("customer.drugLicences", "none is valid on \(date)")])
    }

    /// What the customer owes on B2B invoices less their credit notes and what they have
    /// paid (finance's `payments`; an advance not yet allocated counts too).
    static func receivables(of customer: Int64, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Money
    {
        let owed = try await transaction.value(
            """
            SELECT ((SELECT COALESCE(sum(total_paise), 0) FROM invoices WHERE customer_id = \(customer))
                    - (SELECT COALESCE(sum(total_paise), 0) FROM credit_notes WHERE customer_id = \(customer))
                    - (SELECT COALESCE(sum(amount_paise), 0) FROM payments WHERE customer_id = \(customer)))::bigint
            """,
            as: Int64.self, logger: context.logger)
        return Money(paise: owed ?? 0)
    }
}

extension CommandError.Code {
    /// Confirming would take a customer over their credit limit (409).
    public static let creditLimitExceeded = CommandError.Code(rawValue: "credit-limit-exceeded", kind: .conflict)
}
