// B2B selling over real HTTP on a real database: sales orders reserve stock (never more
// than the unexpired on hand, under concurrency), the credit check, deliveries FEFO with
// the customer's minimum shelf life, and the tax invoice for deliveries.
import ERPApp
import ERPEvents
import ERPHTTP
import ERPKernel
import ERPPlatform
import ERPStore
import ERPTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Sales
import Testing
import Users

@Suite struct OrderTests {
    /// Gupta Medical Stores, Bengaluru (Karnataka: inter-state from Maharashtra), with a
    /// licence to 2099, `creditLimit` paise of credit and `shelfLife` days of minimum
    /// shelf life.
    static func customer(
        _ shop: Shop, creditLimit: Int = 100_000_000, shelfLife: Int = 0, licenceUntil: String = "2099-03-31"
    )
        async throws -> Int
    {
        try await shop.create(
            "customers",
            """
            {"name": "Gupta Medical Stores", "gstin": "29AAGCB7383J1Z4", "address": "4 Residency Road, Bengaluru 560025",
             "drugLicences": [{"number": "KA-B-20D-7781", "form": "20D", "validFrom": "2024-04-01", "validUntil": "\(licenceUntil)"}],
             "creditLimitPaise": \(creditLimit), "paymentTermsDays": 30, "minimumShelfLifeDays": \(shelfLife)}
            """)
    }

    /// A draft order of `quantity` Arnica at ₹80 less 10 %.
    static func order(_ shop: Shop, customer: Int, quantity: Int = 12) async throws -> Int {
        try await shop.create(
            "sales-orders",
            """
            {"customerId": \(customer), "warehouseId": \(shop.mumbai), "reference": "PO-118",
             "lines": [{"productId": \(shop.arnica), "quantity": \(quantity), "ratePaise": 8000, "discountPercentBasisPoints": 1000}]}
            """)
    }

    static func level(_ shop: Shop) async throws -> [String: Any] {
        let level = try await shop.get("stock-levels/\(shop.arnica)")
        return try #require((level["warehouses"] as? [[String: Any]])?.first)
    }

    static func invariantsHold(_ test: TestDatabase) async throws {
        try await LiveAPI.catchUpProjections(test)
        let findings = try await test.withConnection {
            try await Invariant.verify(Modules.list().invariants(), limit: 5, on: $0, logger: test.logger)
        }
        let broken = findings.filter { !$0.holds }
        #expect(broken.isEmpty, "\(broken)")
    }

    @Test func anOrderIsReservedDeliveredFEFOWithShelfLifeAndInvoiced() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            // A-SOON has 60 days left, A-LATE 400: a 90-day minimum takes only A-LATE.
            let customer = try await Self.customer(shop, shelfLife: 90)
            let id = try await Self.order(shop, customer: customer, quantity: 10)
            #expect(try await shop.get("sales-orders/\(id)")["status"] as? String == "draft")

            let confirmed = try await shop.post("sales-orders/\(id)/confirm", "")
            #expect(confirmed.status == .ok, "\(String(buffer: confirmed.body))")
            // 10 × ₹80 = ₹800 less 10 % = ₹720 taxable; IGST 5 % = ₹36; ₹756.
            let order = try LiveAPI.json(confirmed)
            #expect(order["status"] as? String == "confirmed" && order["total"] as? Int == 75_600)
            try await LiveAPI.catchUpProjections(test)
            var level = try await Self.level(shop)
            #expect(
                level["onHand"] as? Int == 20 && level["reserved"] as? Int == 10 && level["available"] as? Int == 10)

            // A-LATE only (FEFO would take A-SOON first, but it is too short-dated for them).
            let first = try await shop.post(
                "deliveries", #"{"salesOrderId": \#(id), "lines": [{"orderLine": 1, "quantity": 4}]}"#)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            let delivery = try LiveAPI.json(first)
            let lines = try #require(delivery["lines"] as? [[String: Any]])
            #expect(lines.map { $0["batchNumber"] as? String } == ["A-LATE"])
            #expect(lines.map { $0["cost"] as? Int } == [16_000])
            #expect((delivery["movements"] as? [[String: Any]])?.map { $0["value"] as? Int } == [-16_000])
            #expect(try await shop.get("sales-orders/\(id)")["status"] as? String == "partially_delivered")

            // Naming the short-dated batch is refused; so is more than is left to deliver.
            let short = try await shop.post(
                "deliveries",
                #"{"salesOrderId": \#(id), "lines": [{"orderLine": 1, "quantity": 2, "batchNumber": "A-SOON"}]}"#)
            #expect(short.status == .unprocessableContent)
            #expect(try LiveAPI.problem(short).errors.first?.message.contains("shelf life") == true)
            let over = try await shop.post(
                "deliveries", #"{"salesOrderId": \#(id), "lines": [{"orderLine": 1, "quantity": 7}]}"#)
            #expect(over.status == .unprocessableContent)
            #expect(try LiveAPI.problem(over).errors.first?.message.contains("at most 6 more") == true)
            // A-LATE has 6 left: all of it goes.
            let second = try LiveAPI.json(
                try await shop.post(
                    "deliveries", #"{"salesOrderId": \#(id), "lines": [{"orderLine": 1, "quantity": 6}]}"#))
            #expect(try await shop.get("sales-orders/\(id)")["status"] as? String == "delivered")
            try await LiveAPI.catchUpProjections(test)
            level = try await Self.level(shop)
            #expect(level["onHand"] as? Int == 10 && level["reserved"] as? Int == 0 && level["available"] as? Int == 10)

            // One invoice for both deliveries: inter-state, IGST at 5 %.
            let deliveries = try [#require(delivery["id"] as? Int), #require(second["id"] as? Int)]
            let issued = try await shop.post("invoices", #"{"deliveryIds": \#(deliveries)}"#)
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            let invoice = try LiveAPI.json(issued)
            let today = try CalendarDate(try await test.scalar("SELECT business_date()::text", as: String.self))
            #expect(invoice["number"] as? String == "INV/" + FinancialYear(containing: today).shortLabel + "/000001")
            #expect(invoice["kind"] as? String == "b2b" && invoice["placeOfSupply"] as? String == "29")
            // 4 × ₹80 = ₹320 − ₹32 = ₹288, IGST ₹14.40; 6 × ₹80 = ₹480 − ₹48 = ₹432, IGST ₹21.60.
            let billed = try #require(invoice["lines"] as? [[String: Any]])
            #expect(billed.map { $0["taxable"] as? Int } == [28_800, 43_200])
            #expect(billed.map { $0["igst"] as? Int } == [1_440, 2_160])
            #expect(billed.map { $0["cgst"] as? Int } == [0, 0])
            #expect(billed.map { $0["discount"] as? Int } == [3_200, 4_800])
            #expect(billed.map { $0["cost"] as? Int } == [16_000, 24_000])
            #expect(billed.map { $0["priceBasis"] as? String } == ["exclusive", "exclusive"])
            #expect(invoice["total"] as? Int == 75_600 && invoice["igst"] as? Int == 3_600)
            #expect((invoice["recipient"] as? [String: Any])?["gstin"] as? String == "29AAGCB7383J1Z4")
            #expect((invoice["movements"] as? [Any])?.isEmpty == true, "the stock left with the deliveries")
            #expect(invoice["deliveryIds"] as? [Int] == deliveries)

            // The print names the recipient with their GSTIN and drug licence (Rule 46, Drugs Rules).
            let invoiceID = try #require(invoice["id"] as? Int)
            for layout in ["a4", "receipt"] {
                let page = try await http.execute(
                    uri: "/api/v1/invoices/\(invoiceID)?layout=\(layout)", method: .get, headers: [.accept: "text/html"]
                )
                let html = String(buffer: page.body)
                #expect(html.contains("Gupta Medical Stores") && html.contains("29AAGCB7383J1Z4"), "\(layout)")
                #expect(html.contains("KA-B-20D-7781") && html.contains("MH-PZ3-123456"), "\(layout)")
            }

            // A delivery is billed once.
            let again = try await shop.post("invoices", #"{"deliveryIds": [\#(deliveries[0])]}"#)
            #expect(again.status == .conflict)
            try await Self.invariantsHold(test)
            let register = try await shop.get("reports/sales-register")
            let rows = try #require(register["rows"] as? [[String: Any]])
            #expect(
                rows.contains {
                    $0["customerGstin"] as? String == "29AAGCB7383J1Z4" && $0["totalPaise"] as? Int == 75_600
                })
        }
    }

    @Test func twentyConcurrentConfirmationsOfOneAgainstTenAvailableLetExactlyTenThrough() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            // 20 on hand, 10 of them expired: 10 can be reserved.
            try await test.execute("UPDATE batches SET expires_on = business_date() - 1 WHERE batch_number = 'A-SOON'")
            let customer = try await Self.customer(shop)
            var orders: [Int] = []
            for _ in 0..<20 { orders.append(try await Self.order(shop, customer: customer, quantity: 1)) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for order in orders {
                    group.addTask { try await shop.post("sales-orders/\(order)/confirm", "").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 10, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 10, "\(statuses)")
            #expect(try await test.scalar("SELECT reserved FROM stock_valuation", as: Int64.self) == 10)
            // Nothing reserved can go over the counter either: all 10 unexpired are spoken for.
            let sale = try await shop.post(
                "counter-sales",
                CounterSaleTests.sale(
                    shop, #"[{"productId": \#(shop.arnica), "quantity": 1}]"#,
                    payments: #"[{"mode": "cash", "amountPaise": 9500}]"#))
            #expect(sale.status == .conflict)
            #expect(try LiveAPI.problem(sale).detail.contains("reserved"))
            try await Self.invariantsHold(test)
            #expect(try await Self.level(shop)["reserved"] as? Int == 10)
        }
    }

    @Test func theCreditLimitRefusesAnOrderUnlessTheCallerMayOverrideIt() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            // ₹500 of credit; the order is ₹756.
            let customer = try await Self.customer(shop, creditLimit: 50_000)
            let id = try await Self.order(shop, customer: customer, quantity: 10)
            try await LiveAPI.createUser(test, email: "rep@distributor.test", roles: [.sales])
            let rep = http.signed(try await LiveAPI.signIn(http.http, email: "rep@distributor.test"))
            let refused = try await rep.execute(uri: "/api/v1/sales-orders/\(id)/confirm", method: .post)
            #expect(refused.status == .conflict)
            let detail = try LiveAPI.problem(refused).detail
            #expect(detail.contains("₹0.00") && detail.contains("₹756.00") && detail.contains("₹500.00"), "\(detail)")
            #expect(try await test.scalar("SELECT reserved FROM stock_valuation", as: Int64.self) == 0)
            #expect(try await shop.get("sales-orders/\(id)")["status"] as? String == "draft")
            // Someone holding sales.override_credit_limit (the admin here) may confirm it.
            let overridden = try await shop.post("sales-orders/\(id)/confirm", "")
            #expect(overridden.status == .ok, "\(String(buffer: overridden.body))")
            // The accountant role holds the override, and a custom role may grant it.
            let roles = try await http.execute(uri: "/api/v1/roles", method: .get)
            #expect(String(buffer: roles.body).contains("sales.override_credit_limit"))
            let custom = try await shop.post(
                "roles", #"{"name": "credit_controller", "permissions": ["sales.override_credit_limit"]}"#)
            #expect(custom.status == .created, "\(String(buffer: custom.body))")
        }
    }

    @Test func aLapsedLicenceAndCancellingAfterDeliveryAreRefusedAndCancellingGivesTheReservationBack() async throws {
        try await LiveAPI.with { test, http in
            let shop = try await CounterSaleTests.openShop(http)
            let lapsed = try await Self.customer(shop, licenceUntil: "2024-12-31")
            let refused = try await shop.post(
                "sales-orders/\(try await Self.order(shop, customer: lapsed))/confirm", "")
            #expect(refused.status == .unprocessableContent)
            #expect(try LiveAPI.problem(refused).detail.contains("no drug licence valid"))
            try await test.execute("UPDATE customers SET gstin = NULL, state_code = '27' WHERE id = \(lapsed)")

            let customer = try await Self.customer(shop)
            let id = try await Self.order(shop, customer: customer, quantity: 5)
            #expect(try await shop.post("sales-orders/\(id)/confirm", "").status == .ok)
            #expect(try await shop.post("sales-orders/\(id)/confirm", "").status == .conflict)
            let cancelled = try LiveAPI.json(try await shop.post("sales-orders/\(id)/cancel", ""))
            #expect(cancelled["status"] as? String == "cancelled")
            #expect(try await test.scalar("SELECT reserved FROM stock_valuation", as: Int64.self) == 0)

            let delivered = try await Self.order(shop, customer: customer, quantity: 5)
            #expect(try await shop.post("sales-orders/\(delivered)/confirm", "").status == .ok)
            let delivery = try await shop.post(
                "deliveries", #"{"salesOrderId": \#(delivered), "lines": [{"orderLine": 1, "quantity": 2}]}"#)
            #expect(delivery.status == .created)
            let late = try await shop.post("sales-orders/\(delivered)/cancel", "")
            #expect(late.status == .conflict)
            #expect(try await test.scalar("SELECT reserved FROM stock_valuation", as: Int64.self) == 3)
            try await Self.invariantsHold(test)
            let events = try await test.scalar(
                """
                SELECT string_agg(type, ',' ORDER BY position) FROM events
                 WHERE type IN ('sales_order.confirmed', 'sales_order.cancelled', 'goods.delivered')
                """, as: String.self)
            #expect(events == "sales_order.confirmed,sales_order.cancelled,sales_order.confirmed,goods.delivered")
        }
    }
}
