// Create and update products, warehouses and vendors. Each runs inside the caller's
// transaction; the deferred triggers record the events at commit.
import ERPKernel
public import ERPStore
import Foundation
public import PostgresNIO

/// The write side of master data.
public enum MasterDataCommands {
    /// Creates a product and its GST rates.
    ///
    /// - Returns: The new product's id.
    /// - Throws: ``CommandError`` `.invalid` or `.duplicate` (SKU taken).
    public static func createProduct(_ product: NewProduct, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try product.validate() } catch { throw CommandError(error) }
        try await checkPreferredVendor(product.preferredVendorId, on: transaction, context: context)
        let id = try await CommandError.uniquely("sku", product.sku) {
            try await transaction.insertReturningID(
                """
                INSERT INTO products (sku, name, brand, potency, form, pack_size, pack_unit, hsn_code, mrp_paise,
                                      reorder_level, reorder_quantity, preferred_vendor_id, batch_tracked, shelf_life_days)
                VALUES (\(product.sku), \(Text.trimmed(product.name)), \(Text.blankIsNil(product.brand)), \(Text.blankIsNil(product.potency)),
                        \(Text.trimmed(product.form)), \(product.packSize), \(Text.trimmed(product.packUnit)), \(product.hsnCode), \(product.mrp),
                        \(product.reorderLevel ?? 0), \(product.reorderQuantity ?? 0), \(product.preferredVendorId),
                        \(product.batchTracked ?? true), \(product.shelfLifeDays))
                RETURNING id
                """,
                logger: context.logger
            )
        }
        try await saveRates(product.gstRates, of: id, on: transaction, context: context)
        return id
    }

    /// Applies `changes` to product `id` if it is still at `version`.
    ///
    /// - Throws: ``CommandError`` `.invalid`, `.notFound` or `.versionMismatch`.
    public static func updateProduct(
        id: Int64, version: Int, _ changes: ProductChanges, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        do { try changes.validate() } catch { throw CommandError(error) }
        try await checkPreferredVendor(changes.preferredVendorId, on: transaction, context: context)
        // Rates live in a table of their own: a PATCH that changes only them still makes
        // the product row count as changed (see skip_unchanged_update), so the event carries them.
        let ratesChange = try await ratesWouldChange(changes.gstRates ?? [], of: id, on: transaction, context: context)
        try await updateVersioned(
            .product, id: id, version: version,
            """
            UPDATE products
               SET name = COALESCE(\(changes.name.map(Text.trimmed)), name),
                   brand = CASE WHEN \(changes.brand)::text IS NULL THEN brand ELSE \(Text.blankIsNil(changes.brand)) END,
                   potency = CASE WHEN \(changes.potency)::text IS NULL THEN potency ELSE \(Text.blankIsNil(changes.potency)) END,
                   form = COALESCE(\(changes.form.map(Text.trimmed)), form),
                   pack_size = COALESCE(\(changes.packSize), pack_size),
                   pack_unit = COALESCE(\(changes.packUnit.map(Text.trimmed)), pack_unit),
                   hsn_code = COALESCE(\(changes.hsnCode), hsn_code),
                   mrp_paise = COALESCE(\(changes.mrp), mrp_paise),
                   reorder_level = COALESCE(\(changes.reorderLevel), reorder_level),
                   reorder_quantity = COALESCE(\(changes.reorderQuantity), reorder_quantity),
                   preferred_vendor_id = CASE WHEN \(changes.preferredVendorId)::bigint IS NULL THEN preferred_vendor_id
                                              ELSE NULLIF(\(changes.preferredVendorId), 0) END,
                   shelf_life_days = COALESCE(\(changes.shelfLifeDays), shelf_life_days),
                   active = COALESCE(\(changes.active), active),
                   version = version + 1,
                   updated_at = CASE WHEN \(ratesChange) THEN clock_timestamp() ELSE updated_at END
             WHERE id = \(id) AND version = \(version)
            RETURNING id
            """,
            on: transaction, context: context
        )
        try await saveRates(changes.gstRates ?? [], of: id, on: transaction, context: context)
    }

    /// A preferred vendor must exist and be active (0, clearing it, is always fine).
    private static func checkPreferredVendor(_ id: Int64?, on transaction: PostgresConnection, context: CommandContext)
        async throws
    {
        guard let id, id > 0 else { return }
        let active = try await transaction.rows(
            "SELECT active FROM vendors WHERE id = \(id)", as: Bool.self, logger: context.logger)
        var check = Validation()
        check.require(!active.isEmpty, "preferredVendorId", "there is no vendor \(id)")
        check.require(active.first != false, "preferredVendorId", "vendor \(id) is inactive")
        do { try check.check() } catch { throw CommandError(error) }
    }

    /// Creates a warehouse.
    ///
    /// - Throws: ``CommandError`` `.invalid` or `.duplicate` (code taken).
    public static func createWarehouse(
        _ warehouse: NewWarehouse, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try warehouse.validate() } catch { throw CommandError(error) }
        return try await CommandError.uniquely("code", warehouse.code) {
            try await transaction.insertReturningID(
                "INSERT INTO warehouses (code, name, state_code) VALUES (\(warehouse.code), \(Text.trimmed(warehouse.name)), \(warehouse.stateCode)) RETURNING id",
                logger: context.logger
            )
        }
    }

    /// Applies `changes` to warehouse `id` if it is still at `version`.
    public static func updateWarehouse(
        id: Int64, version: Int, _ changes: WarehouseChanges, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        do { try changes.validate() } catch { throw CommandError(error) }
        try await updateVersioned(
            .warehouse, id: id, version: version,
            """
            UPDATE warehouses
               SET name = COALESCE(\(changes.name.map(Text.trimmed)), name), active = COALESCE(\(changes.active), active),
                   version = version + 1
             WHERE id = \(id) AND version = \(version)
            RETURNING id
            """,
            on: transaction, context: context
        )
    }

    /// Creates a vendor; its state comes from the GSTIN when it has one.
    ///
    /// - Throws: ``CommandError`` `.invalid` or `.duplicate` (GSTIN taken).
    public static func createVendor(_ vendor: NewVendor, on transaction: PostgresConnection, context: CommandContext)
        async throws -> Int64
    {
        do { try vendor.validate() } catch { throw CommandError(error) }
        let gstin = try vendor.gstin.map { try GSTIN($0).value }
        return try await CommandError.uniquely("gstin", gstin ?? "") {
            try await transaction.insertReturningID(
                """
                INSERT INTO vendors (name, gstin, state_code, payment_terms_days)
                VALUES (\(Text.trimmed(vendor.name)), \(gstin), \(vendor.resolvedStateCode), \(vendor.paymentTermsDays ?? 30))
                RETURNING id
                """,
                logger: context.logger
            )
        }
    }

    /// Applies `changes` to vendor `id` if it is still at `version`.
    public static func updateVendor(
        id: Int64, version: Int, _ changes: VendorChanges, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        do { try changes.validate() } catch { throw CommandError(error) }
        let gstin = try changes.gstin.map { $0.isEmpty ? "" : try GSTIN($0).value }
        let state = gstin.flatMap { $0.isEmpty ? nil : String($0.prefix(2)) } ?? changes.stateCode
        // A registered vendor's state is its GSTIN's: a new state needs a new (or no) GSTIN.
        if let stateCode = changes.stateCode, changes.gstin == nil,
            let current = try await transaction.value(
                "SELECT gstin FROM vendors WHERE id = \(id)", as: String?.self, logger: context.logger),
            let registered = current, !registered.hasPrefix(stateCode)
        {
            throw CommandError(
                .invalid, "the request has invalid fields",
                fieldErrors: [
                    FieldError(
                        "stateCode",
                        "is \(stateCode) but the vendor's GSTIN \(registered) is registered in \(registered.prefix(2)); send the new GSTIN, or \"gstin\": \"\" to remove it, with the state"
                    )
                ]
            )
        }
        try await CommandError.uniquely("gstin", gstin ?? "") {
            try await updateVersioned(
                .vendor, id: id, version: version,
                """
                UPDATE vendors
                   SET name = COALESCE(\(changes.name.map(Text.trimmed)), name),
                       gstin = CASE WHEN \(gstin)::text IS NULL THEN gstin ELSE NULLIF(\(gstin), '') END,
                       state_code = COALESCE(\(state), state_code),
                       payment_terms_days = COALESCE(\(changes.paymentTermsDays), payment_terms_days),
                       active = COALESCE(\(changes.active), active),
                       version = version + 1
                 WHERE id = \(id) AND version = \(version)
                RETURNING id
                """,
                on: transaction, context: context
            )
        }
    }

    // MARK: - Shared steps

    private static func saveRates(
        _ rates: [GSTRate], of product: Int64, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        guard !rates.isEmpty else { return }
        try await transaction.query(
            """
            INSERT INTO product_gst_rates (product_id, effective_from, rate_basis_points)
            SELECT \(product), d::date, r
              FROM unnest(\(rates.map(\.effectiveFrom.description))::text[], \(rates.map(\.rateBasisPoints))::integer[]) AS u(d, r)
            ON CONFLICT (product_id, effective_from) DO UPDATE SET rate_basis_points = EXCLUDED.rate_basis_points
            """,
            logger: context.logger
        )
    }

    /// Whether saving `rates` would add a rate or change one.
    private static func ratesWouldChange(
        _ rates: [GSTRate], of product: Int64, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Bool {
        guard !rates.isEmpty else { return false }
        return try await transaction.value(
            """
            SELECT EXISTS (
                SELECT FROM unnest(\(rates.map(\.effectiveFrom.description))::text[], \(rates.map(\.rateBasisPoints))::integer[]) AS u(d, r)
                 WHERE NOT EXISTS (SELECT FROM product_gst_rates g
                                    WHERE g.product_id = \(product) AND g.effective_from = u.d::date AND g.rate_basis_points = u.r))
            """,
            as: Bool.self, logger: context.logger
        ) ?? false
    }

    /// Runs a versioned UPDATE … RETURNING id; no row means a missing record or a stale version.
    private static func updateVersioned(
        _ kind: MasterRecordKind, id: Int64, version: Int, _ query: PostgresQuery,
        on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        let rows = try await transaction.query(query, logger: context.logger)
        var updated = false
        for try await _ in rows { updated = true }
        if updated { return }
        let current = try await transaction.query(
            PostgresQuery(
                unsafeSQL: "SELECT version FROM \(kind.table) WHERE id = $1",
                binds: {
                    var b = PostgresBindings(); b.append(id); return b
                }()),
            logger: context.logger
        )
        for try await actual in current.decode(Int.self) {
            // At the version asked for, yet not updated: the change changed nothing, and
            // skip_unchanged_update dropped it (no new version, no event).
            if actual == version { return }
            throw CommandError(.versionMismatch, "\(kind.rawValue) \(id) is at version \(actual), not \(version)")
        }
        throw CommandError(.notFound, "there is no \(kind.rawValue) \(id)")
    }
}
