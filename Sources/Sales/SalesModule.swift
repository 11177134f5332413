// Sales: the company profile, customers, counter sales and their tax invoices, B2B sales
// orders with the stock they reserve, deliveries, B2B tax invoices and the sales register.
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
    /// A tax invoice was issued: by a counter sale (stock goes out at cost) or for
    /// deliveries (which took the stock out).
    public static let invoiceIssued = EventType("invoice.issued")
    /// A sales order was confirmed: its lines' stock is reserved.
    public static let salesOrderConfirmed = EventType("sales_order.confirmed")
    /// A sales order was cancelled: what it reserved is given back.
    public static let salesOrderCancelled = EventType("sales_order.cancelled")
    /// Goods left against a sales order, at cost, using up its reservation.
    public static let goodsDelivered = EventType("goods.delivered")
    /// A credit note was issued: returned goods come back at the cost they left with.
    public static let creditNoteIssued = EventType("credit_note.issued")
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
    /// Taking, confirming and cancelling sales orders.
    public static let salesOrders = Permission("sales.orders")
    /// Delivering against sales orders: stock leaves.
    public static let salesDeliver = Permission("sales.deliver")
    /// Issuing B2B tax invoices for deliveries, and credit notes.
    public static let salesInvoice = Permission("sales.invoice")
    /// Confirming an order that takes a customer over their credit limit.
    public static let salesOverrideCreditLimit = Permission("sales.override_credit_limit")
}

extension SQLDocumentSource {
    /// Customers.
    public static let customer = SQLDocumentSource(
        noun: "customer", table: "customers", function: "customer_document")
    /// Tax invoices.
    public static let invoice = SQLDocumentSource(noun: "invoice", table: "invoices", function: "invoice_document")
    /// Sales orders.
    public static let salesOrder = SQLDocumentSource(
        noun: "sales order", table: "sales_orders", function: "sales_order_document", filterColumn: "status")
    /// Deliveries.
    public static let delivery = SQLDocumentSource(
        noun: "delivery", table: "deliveries", function: "delivery_document")
    /// Credit notes.
    public static let creditNote = SQLDocumentSource(
        noun: "credit note", table: "credit_notes", function: "credit_note_document")
}

/// The company profile, customers, counter sales, sales orders, deliveries, invoices and
/// the sales register.
public struct SalesModule: ERPModule {
    /// `sales`.
    public let name = "sales"

    /// The module.
    public init() {}

    /// company.updated, customer.created, customer.updated, invoice.issued,
    /// sales_order.confirmed, sales_order.cancelled, goods.delivered, credit_note.issued.
    public var events: [EventDeclaration] {
        [
            EventDeclaration(SalesEvents.companyUpdated, payload: CompanyDocument.self),
            EventDeclaration(SalesEvents.customerCreated, payload: CustomerDocument.self),
            EventDeclaration(SalesEvents.customerUpdated, payload: CustomerDocument.self),
            EventDeclaration(SalesEvents.invoiceIssued, traits: [.movesStock], payload: InvoiceDocument.self),
            EventDeclaration(
                SalesEvents.salesOrderConfirmed, traits: [.reservesStock], payload: SalesOrderDocument.self),
            EventDeclaration(
                SalesEvents.salesOrderCancelled, traits: [.reservesStock], payload: SalesOrderDocument.self),
            EventDeclaration(
                SalesEvents.goodsDelivered, traits: [.movesStock, .reservesStock], payload: DeliveryDocument.self),
            EventDeclaration(SalesEvents.creditNoteIssued, traits: [.movesStock], payload: CreditNoteDocument.self),
        ]
    }

    /// The sales register.
    public func projectors(_ catalog: EventCatalog) -> [any Projector] { [SalesRegisterProjector()] }

    /// The register has every invoice, with its figures.
    public func invariants(_ catalog: EventCatalog) -> [Invariant] { [.salesRegisterEqualsInvoices] }

    /// `/api/v1/company`, `/api/v1/customers`, `/api/v1/counter-sales`, `/api/v1/sales-orders`,
    /// `/api/v1/deliveries`, `/api/v1/invoices`, `/api/v1/credit-notes`, `/api/v1/reports/sales-register`.
    public func routes(on api: APIRoutes, client: PostgresClient) {
        SalesRoutes(client: client).register(on: api)
    }

    /// Sales staff keep customers, take orders, deliver and invoice; storekeepers deliver;
    /// accountants keep the company profile, invoice and may let an order over a credit
    /// limit; cashiers sell over the counter and do nothing else.
    public var grants: [Role: [Permission]] {
        [
            .sales: [.salesRead, .salesCustomers, .salesCounter, .salesOrders, .salesDeliver, .salesInvoice],
            .storekeeper: [.salesRead, .salesDeliver],
            .accountant: [.salesRead, .salesCompany, .salesInvoice, .salesOverrideCreditLimit],
            .cashier: [.salesCounter],
        ]
    }

    /// A customer's GSTIN is unique (`customers_gstin_key`).
    public var constraintFields: [String: String] { ["customers_gstin_key": "gstin"] }
}
