// Setting the company profile and creating and changing customers. Each runs inside the
// caller's transaction; the triggers record company.updated, customer.created and
// customer.updated.
import ERPKernel
public import ERPStore
import Foundation
public import PostgresNIO

/// The company profile and customers.
public enum PartyCommands {
    /// The company profile's document, with what invoicing still needs.
    public static func company(on connection: PostgresConnection, logger: Logger) async throws -> CompanyDocument {
        guard
            case .some(.some(let json)) = try await connection.preparedValue(
                "SELECT company_document('{}'::jsonb)::text", as: String?.self, logger: logger)
        else { throw CommandError(.notFound, "the company profile is missing: migrate the database") }
        var document = try JSONDecoder().decode(CompanyDocument.self, from: Data(json.utf8))
        document.missingForInvoicing = document.profile.missingForInvoicing
        return document
    }

    /// The company profile, refusing (422 naming the fields) while invoicing cannot yet
    /// print what Rule 46 requires.
    public static func completeCompany(on connection: PostgresConnection, logger: Logger) async throws
        -> CompanyProfile
    {
        let document = try await company(on: connection, logger: logger)
        let missing = document.profile.missingForInvoicing
        guard missing.isEmpty else {
            throw CommandError(
                .invalid, "the company profile is not complete: nothing can be invoiced until it is",
                fieldErrors: missing.map { FieldError("company.\($0)", "is required to issue invoices") })
        }
        return document.profile
    }

    /// Replaces the company profile with `profile` if it is still at `version`.
    ///
    /// - Throws: ``CommandError`` `.invalid`, or `.versionMismatch`.
    public static func setCompany(
        _ profile: CompanyProfile, version: Int, on transaction: PostgresConnection, context: CommandContext
    ) async throws {
        do { try profile.validate() } catch { throw CommandError(error) }
        let gstin = try profile.gstin.map { try GSTIN($0).value }
        let licences = try Self.json(profile.drugLicences ?? [])
        let band = (profile.turnoverBand ?? .upToFiveCrore).rawValue
        let updated = try await transaction.value(
            """
            UPDATE company_profile
               SET legal_name = \(Text.blankIsNil(profile.legalName)), trade_name = \(Text.blankIsNil(profile.tradeName)),
                   address_line1 = \(Text.blankIsNil(profile.addressLine1)),
                   address_line2 = \(Text.blankIsNil(profile.addressLine2)), city = \(Text.blankIsNil(profile.city)),
                   pincode = \(profile.pincode), state_code = \(profile.stateCode), gstin = \(gstin),
                   phone = \(Text.blankIsNil(profile.phone)), email = \(Text.blankIsNil(profile.email)),
                   drug_licences = \(licences)::jsonb, turnover_band = \(band),
                   invoice_prefix = \(profile.invoicePrefix?.uppercased()),
                   counter_sale_prefix = \(profile.counterSalePrefix?.uppercased()),
                   credit_note_prefix = \(profile.creditNotePrefix?.uppercased()),
                   version = version + 1
             WHERE id = 1 AND version = \(version)
            RETURNING id
            """,
            as: Int.self, logger: context.logger)
        guard updated == nil else { return }
        let current = try await transaction.value(
            "SELECT version FROM company_profile WHERE id = 1", as: Int.self, logger: context.logger)
        // At the version asked for yet not updated: nothing changed (skip_unchanged_update).
        if current == version { return }
        throw CommandError(.versionMismatch, "the company profile is at version \(current ?? 0), not \(version)")
    }

    /// Creates a customer; a registered one's state is its GSTIN's.
    ///
    /// - Throws: ``CommandError`` `.invalid` or `.duplicate` (GSTIN taken).
    public static func createCustomer(
        _ customer: NewCustomer, on transaction: PostgresConnection, context: CommandContext
    ) async throws -> Int64 {
        do { try customer.validate() } catch { throw CommandError(error) }
        let gstin = try customer.gstin.map { try GSTIN($0).value }
        let licences = try Self.json(customer.drugLicences ?? [])
        return try await CommandError.uniquely("gstin", gstin ?? "") {
            try await transaction.insertReturningID(
                """
                INSERT INTO customers (name, gstin, state_code, address, phone, drug_licences, credit_limit_paise,
                                       payment_terms_days, minimum_shelf_life_days)
                VALUES (\(Text.trimmed(customer.name)), \(gstin), \(customer.resolvedStateCode),
                        \(Text.blankIsNil(customer.address)), \(Text.blankIsNil(customer.phone)), \(licences)::jsonb,
                        \(customer.creditLimitPaise ?? 0), \(customer.paymentTermsDays ?? 0),
                        \(customer.minimumShelfLifeDays ?? 0))
                RETURNING id
                """,
                logger: context.logger)
        }
    }

    /// Applies `changes` to customer `id` if it is still at `version`.
    ///
    /// - Throws: ``CommandError`` `.invalid`, `.duplicate`, `.notFound` or `.versionMismatch`.
    public static func updateCustomer(
        id: Int64, version: Int, _ changes: CustomerChanges, on transaction: PostgresConnection,
        context: CommandContext
    ) async throws {
        do { try changes.validate() } catch { throw CommandError(error) }
        let gstin = try changes.gstin.map { $0.isEmpty ? "" : try GSTIN($0).value }
        let state = gstin.flatMap { $0.isEmpty ? nil : String($0.prefix(2)) } ?? changes.stateCode
        if let stateCode = changes.stateCode, changes.gstin == nil,
            case .some(.some(let registered)) = try await transaction.value(
                "SELECT gstin FROM customers WHERE id = \(id)", as: String?.self, logger: context.logger),
            !registered.hasPrefix(stateCode)
        {
            throw CommandError(
                .invalid, "the request has invalid fields",
                fieldErrors: [
                    FieldError(
                        "stateCode",
                        "is \(stateCode) but the customer's GSTIN \(registered) is registered in \(registered.prefix(2)); send the new GSTIN, or \"gstin\": \"\" to remove it, with the state"
                    )
                ])
        }
        let licences = try changes.drugLicences.map { try Self.json($0) }
        try await CommandError.uniquely("gstin", gstin ?? "") {
            let updated = try await transaction.value(
                """
                UPDATE customers
                   SET name = COALESCE(\(changes.name.map(Text.trimmed)), name),
                       gstin = CASE WHEN \(gstin)::text IS NULL THEN gstin ELSE NULLIF(\(gstin), '') END,
                       state_code = COALESCE(\(state), state_code),
                       address = CASE WHEN \(changes.address)::text IS NULL THEN address
                                      ELSE NULLIF(btrim(\(changes.address)), '') END,
                       phone = CASE WHEN \(changes.phone)::text IS NULL THEN phone ELSE NULLIF(btrim(\(changes.phone)), '') END,
                       drug_licences = COALESCE(\(licences)::jsonb, drug_licences),
                       credit_limit_paise = COALESCE(\(changes.creditLimitPaise), credit_limit_paise),
                       payment_terms_days = COALESCE(\(changes.paymentTermsDays), payment_terms_days),
                       minimum_shelf_life_days = COALESCE(\(changes.minimumShelfLifeDays), minimum_shelf_life_days),
                       active = COALESCE(\(changes.active), active),
                       version = version + 1
                 WHERE id = \(id) AND version = \(version)
                RETURNING id
                """,
                as: Int64.self, logger: context.logger)
            guard updated == nil else { return }
            guard
                let current = try await transaction.value(
                    "SELECT version FROM customers WHERE id = \(id)", as: Int.self, logger: context.logger)
            else { throw CommandError(.notFound, "there is no customer \(id)") }
            if current == version { return }
            throw CommandError(.versionMismatch, "customer \(id) is at version \(current), not \(version)")
        }
    }

    /// `value` as the JSON the tables keep (licences, the supplier on an invoice).
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
