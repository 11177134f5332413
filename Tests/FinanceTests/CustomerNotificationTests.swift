// The notifications finance raises through the notifications module: an invoice
// overdue (once), a customer over their credit limit (once per crossing). Over real
// HTTP on a real database, with the overdue scan run by a real job runner.
import ERPApp
import ERPEvents
import ERPHTTP
import ERPJobs
import ERPKernel
import ERPStore
import ERPTestSupport
import Finance
import Foundation
import Notifications
import PostgresNIO
import Sales
import Testing

@Suite struct CustomerNotificationTests {
    /// Runs the overdue scan once, as the schedule enqueues it, and waits for it to end.
    static func scanOverdue(_ test: TestDatabase) async throws {
        try await test.withPool { client in
            let configuration = JobRunner.Configuration(queues: ["default": 1], pollInterval: .milliseconds(50))
            try await test.withRunners([configuration], handlers: [OverdueScan(client: client)]) {
                let enqueued = try await test.withConnection { connection in
                    try await JobQueue.enqueue(NewJob(OverdueScan.self, .init()), on: connection, logger: test.logger)
                }
                guard case .added(let id) = enqueued else {
                    Issue.record("the scan was not enqueued")
                    return
                }
                try await eventually("the scan ran") {
                    try await test.scalar(
                        "SELECT count(*) FROM job_history WHERE id = \(id) AND state = 'completed'", as: Int64.self)
                        == 1
                }
            }
        }
    }

    /// Each notification of `kind`: subject, customer, invoice and message.
    static func notifications(_ test: TestDatabase, _ kind: String) async throws -> [String] {
        try await test.withConnection { connection in
            try await connection.rows(
                """
                SELECT subject || ' | ' || customer_id || ' | ' || COALESCE(invoice_id::text, '-') || ' | ' || message
                  FROM notifications WHERE kind = \(kind) ORDER BY id
                """,
                as: String.self, logger: test.logger)
        }
    }

    /// Moves an invoice's date `days` back, as if it had been issued then (the command
    /// always issues on the business date).
    static func backdate(_ test: TestDatabase, invoice: Int, days: Int) async throws {
        try await test.execute("UPDATE invoices SET invoice_date = invoice_date - \(days) WHERE id = \(invoice)")
    }

    @Test func anInvoicePastItsDueDateWithSomethingOutstandingIsNotifiedOnce() async throws {
        try await LiveAPI.with { test, http in
            // ₹163 on 30 days' terms, and a second ₹163 paid in full.
            let (shop, customer, unpaid) = try await PaymentAndJournalTests.invoicedCustomer(http)
            let order = try await PaymentAndJournalTests.confirmedOrder(shop, customer: customer)
            let delivery = try await shop.create(
                "deliveries",
                NewDelivery(salesOrderId: Int64(order), lines: [NewDeliveryLine(orderLine: 1, quantity: 2)]))
            let paid = try await shop.create("invoices", NewInvoice(deliveryIds: [Int64(delivery)]))
            try await shop.create(
                "customer-receipts",
                NewPayment(
                    customerId: Int64(customer), mode: "upi", reference: "UPI-9", accountCode: "1201",
                    amountPaise: 16_300, allocations: [NewAllocation(invoiceId: Int64(paid), amountPaise: 16_300)]))
            // Not yet due: nothing found.
            try await Self.scanOverdue(test)
            #expect(try await test.scalar("SELECT count(*) FROM invoice_overdue_findings", as: Int64.self) == 0)
            // Issued 45 days ago, due 15 days ago; ₹63 paid on the unpaid one since.
            try await Self.backdate(test, invoice: unpaid, days: 45)
            try await Self.backdate(test, invoice: paid, days: 45)
            try await shop.create(
                "customer-receipts",
                NewPayment(
                    customerId: Int64(customer), mode: "cash", accountCode: "1100", amountPaise: 6_300,
                    allocations: [NewAllocation(invoiceId: Int64(unpaid), amountPaise: 6_300)]))
            try await Self.scanOverdue(test)
            let found = try await test.scalar(
                "SELECT string_agg(invoice_id || ' ' || outstanding_paise || ' ' || days_overdue, ', ') FROM invoice_overdue_findings",
                as: String.self)
            #expect(found == "\(unpaid) 10000 15")
            try await LiveAPI.catchUpProjections(test)
            let number = try await test.scalar("SELECT number FROM invoices WHERE id = \(unpaid)", as: String.self)
            let due = try await test.scalar(
                "SELECT (invoice_date + 30)::text FROM invoices WHERE id = \(unpaid)", as: String.self)
            #expect(
                try await Self.notifications(test, "invoice_overdue") == [
                    "invoice_overdue:\(unpaid) | \(customer) | \(unpaid) | invoice \(number) of Gupta Medical Stores (customer \(customer)) was due on \(due): ₹100.00 of ₹163.00 outstanding, 15 days overdue"
                ])
            // Through the API, naming the customer and invoice, with a delivery enqueued.
            let listed = try #require(
                try await shop.get("notifications?status=open")["items"] as? [[String: Any]]
            ).first { $0["kind"] as? String == "invoice_overdue" }
            #expect(listed?["customerId"] as? Int == customer)
            #expect(listed?["invoiceId"] as? Int == unpaid)
            #expect(listed?["productId"] is NSNull)
            #expect(
                try await test.scalar(
                    """
                    SELECT count(*) FROM (SELECT dedupe_key FROM jobs UNION ALL SELECT dedupe_key FROM job_history) j
                     WHERE dedupe_key = \("notification.deliver:invoice_overdue:\(unpaid)")
                    """, as: Int64.self) == 1)
            // The next day's scan (and a retried one) finds nothing new: overdue once.
            try await Self.backdate(test, invoice: unpaid, days: 1)
            try await Self.scanOverdue(test)
            try await LiveAPI.catchUpProjections(test)
            #expect(try await test.scalar("SELECT count(*) FROM invoice_overdue_findings", as: Int64.self) == 1)
            #expect(try await Self.notifications(test, "invoice_overdue").count == 1)
            // A rebuild of the notifications raises the same notification with the same id.
            let before = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject || ' ' || message, ', ' ORDER BY id) FROM notifications",
                as: String.self)
            _ = try await Fixtures.replay(test, NotificationsProjector())
            #expect(
                try await test.scalar(
                    "SELECT string_agg(id || ' ' || subject || ' ' || message, ', ' ORDER BY id) FROM notifications",
                    as: String.self) == before)
        }
    }

    @Test func aCustomerGoingOverTheCreditLimitIsNotifiedOncePerCrossing() async throws {
        try await LiveAPI.with { test, http in
            // ₹163 owed against a ₹200 limit: within it.
            let (shop, customer, _) = try await PaymentAndJournalTests.invoicedCustomer(http)
            func invoice() async throws {
                // The administrator holds sales.override_credit_limit, so the order is confirmed over the limit.
                let order = try await PaymentAndJournalTests.confirmedOrder(shop, customer: customer)
                let delivery = try await shop.create(
                    "deliveries",
                    NewDelivery(salesOrderId: Int64(order), lines: [NewDeliveryLine(orderLine: 1, quantity: 2)]))
                try await shop.create("invoices", NewInvoice(deliveryIds: [Int64(delivery)]))
            }
            try await LiveAPI.catchUpProjections(test)
            #expect(try await Self.notifications(test, "over_credit_limit").isEmpty)
            // A second invoice takes it to ₹326: over, once; a third (₹489) raises nothing more.
            try await invoice()
            try await LiveAPI.catchUpProjections(test)
            try await invoice()
            try await LiveAPI.catchUpProjections(test)
            let first =
                "over_credit_limit:\(customer):1 | \(customer) | - | Gupta Medical Stores (customer \(customer)) owes ₹326.00, over their credit limit of ₹200.00"
            #expect(try await Self.notifications(test, "over_credit_limit") == [first])
            // A receipt of ₹400 (an advance, unallocated) brings it to ₹89, within the limit
            // again; lowering the limit to ₹50 crosses it a second time.
            try await shop.create(
                "customer-receipts",
                NewPayment(customerId: Int64(customer), mode: "cash", accountCode: "1100", amountPaise: 40_000))
            try await LiveAPI.catchUpProjections(test)
            #expect(try await Self.notifications(test, "over_credit_limit") == [first])
            try await shop.patch("customers/\(customer)", version: 1, CustomerChanges(creditLimitPaise: 5_000))
            try await LiveAPI.catchUpProjections(test)
            let second =
                "over_credit_limit:\(customer):2 | \(customer) | - | Gupta Medical Stores (customer \(customer)) owes ₹89.00, over their credit limit of ₹50.00"
            #expect(try await Self.notifications(test, "over_credit_limit") == [first, second])
            // A credit note for the last invoice (₹163 back) brings it under; the figure
            // the projector keeps is the sales order's credit check figure.
            let last = try await test.scalar("SELECT max(id) FROM invoices", as: Int64.self)
            try await shop.create(
                "credit-notes",
                NewCreditNote(
                    invoiceId: last, reason: "return", lines: [NewCreditNoteLine(invoiceLine: 1, quantity: 2)]))
            try await LiveAPI.catchUpProjections(test)
            #expect(
                try await test.scalar(
                    "SELECT owed_paise || ' ' || over_limit FROM notification_customers WHERE customer_id = \(customer)",
                    as: String.self) == "-7400 false")
            #expect(
                try await test.scalar(
                    """
                    SELECT ((SELECT sum(total_paise) FROM invoices WHERE customer_id = \(customer))
                            - (SELECT sum(total_paise) FROM credit_notes WHERE customer_id = \(customer))
                            - (SELECT sum(amount_paise) FROM payments WHERE customer_id = \(customer)))::bigint
                    """, as: Int64.self) == -7_400)
            // A rebuild raises the same two, with the same ids.
            let before = try await test.scalar(
                "SELECT string_agg(id || ' ' || subject, ', ' ORDER BY id) FROM notifications", as: String.self)
            _ = try await Fixtures.replay(test, NotificationsProjector())
            #expect(
                try await test.scalar(
                    "SELECT string_agg(id || ' ' || subject, ', ' ORDER BY id) FROM notifications", as: String.self)
                    == before)
        }
    }
}
