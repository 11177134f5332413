// Sales: the company profile, customers, counter sales and their tax invoices, the sales
// register; sales orders, deliveries, B2B invoices and credit notes are to build on them.
public import ERPEvents
public import ERPHTTP
public import ERPPlatform
public import ERPStore
import Inventory
public import PostgresNIO

/// The event types sales' triggers record (triggers/sales.sql); each payload is the whole
/// document as the API shows it.
public enum SalesEvents {
    /// The company profile changed.
    public static let companyUpdated = EventType("company.updated")
    /// A customer was created.
    public static let customerCreated = EventType("customer.created")
    /// A customer's details changed, or they were deactivated.
    public static let customerUpdated = EventType("customer.updated")
    /// A tax invoice was issued (by a counter sale): stock goes out at cost.
    public static let invoiceIssued = EventType("invoice.issued")
}

extension Permission {
    /// Reading the company profile, customers and sales documents.
    public static let salesRead = Permission("sales.read")
    /// Creating and changing customers.
    public static let salesCustomers = Permission("sales.customers")
    /// Changing the company profile: what every invoice says of the seller.
    public static let salesCompany = Permission("sales.company")
    /// Selling over the counter: all a cashier may do.
    public static let salesCounter = Permission("sales.counter")
}

extension SQLDocumentSource {
    /// Customers.
    public static let customer = SQLDocumentSource(
        noun: "customer", table: "customers", function: "customer_document")
    /// Tax invoices.
    public static let invoice = SQLDocumentSource(noun: "invoice", table: "invoices", function: "invoice_document")
}

/// The company profile, customers, counter sales, invoices and the sales register.
public struct SalesModule: ERPModule {
    /// `sales`.
    public let name = "sales"

    /// The module.
    public init() {}

    /// company.updated, customer.created, customer.updated, invoice.issued.
    public var events: [EventDeclaration] {
        [
            EventDeclaration(SalesEvents.companyUpdated, payload: CompanyDocument.self),
            EventDeclaration(SalesEvents.customerCreated, payload: CustomerDocument.self),
            EventDeclaration(SalesEvents.customerUpdated, payload: CustomerDocument.self),
            EventDeclaration(SalesEvents.invoiceIssued, traits: [.movesStock], payload: InvoiceDocument.self),
        ]
    }

    /// The sales register.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] { [SalesRegisterProjector()] }

    /// The register has every invoice, with its figures.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] { [.salesRegisterEqualsInvoices] }

    /// `/api/v1/company`, `/api/v1/customers`, `/api/v1/counter-sales`, `/api/v1/invoices`,
    /// `/api/v1/reports/sales-register`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        SalesRoutes(client: client).register(on: api)
    }

    /// Sales staff keep customers and sell; accountants keep the company profile;
    /// cashiers sell over the counter and do nothing else.
    public var grants: [Role: [Permission]] {
        [
            .sales: [.salesRead, .salesCustomers, .salesCounter],
            .accountant: [.salesRead, .salesCompany],
            .cashier: [.salesCounter],
        ]
    }

    /// A customer's GSTIN is unique (`customers_gstin_key`).
    public var constraintFields: [String: String] { ["customers_gstin_key": "gstin"] }
}
