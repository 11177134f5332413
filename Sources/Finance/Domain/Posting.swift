// The posting rules: what journal each business event posts (../shared/DESIGN.md's table).
// Pure: an event's payload in, a balanced journal out; the ledger projector resolves the
// accounts and writes it.
public import ERPEvents
public import ERPKernel
import Foundation
import Inventory
import Purchasing
import Sales

/// An account a rule posts to, by its role in the chart (`accounts.role`) or, for
/// inventory, by its warehouse.
public enum LedgerAccount: Hashable, Sendable, Comparable {
    /// An account the chart names by role: `cash`, `debtors`, `grni`, `output_cgst`, …
    case role(String)
    /// The inventory account of a warehouse.
    case inventory(warehouse: Int64)
    /// An account by id: what a payment or a manual journal names.
    case id(Int64)

    static let cash = role("cash")
    static let bank = role("bank")
    static let debtors = role("debtors")
    static let creditors = role("creditors")
    static let grni = role("grni")
    static let sales = role("sales")
    static let cogs = role("cogs")
    static let stockAdjustment = role("stock_adjustment")
    static let priceVariance = role("price_variance")
    static let roundOff = role("round_off")
    static let inputCGST = role("input_cgst")
    static let inputSGST = role("input_sgst")
    static let inputIGST = role("input_igst")
    static let outputCGST = role("output_cgst")
    static let outputSGST = role("output_sgst")
    static let outputIGST = role("output_igst")
}

/// A customer or vendor on a control account's line.
public struct LedgerParty: Hashable, Sendable {
    /// `customer` or `vendor`.
    public var type: String
    /// Its id.
    public var id: Int64

    static func customer(_ id: Int64) -> Self { Self(type: "customer", id: id) }
    static func vendor(_ id: Int64) -> Self { Self(type: "vendor", id: id) }
}

/// One line of a journal: a debit (positive) or a credit (negative) in paise.
public struct PostingLine: Hashable, Sendable {
    /// The account.
    public var account: LedgerAccount
    /// The party, on a control account.
    public var party: LedgerParty?
    /// Signed paise: positive debits, negative credits.
    public var amount: Int64

    /// The debit, or 0.
    public var debit: Int64 { max(amount, 0) }
    /// The credit, or 0.
    public var credit: Int64 { max(-amount, 0) }
}

/// The journal one event posts.
public struct Journal: Sendable, Hashable {
    /// The event's position: the journal's key.
    public var position: Int64
    /// The event type.
    public var eventType: EventType
    /// `goods_receipt`, `invoice`, …
    public var documentType: String
    /// The document's id.
    public var documentID: Int64
    /// The document's number or a reference a person reads, e.g. `CS/26-27/000001`.
    public var reference: String
    /// The document's business date.
    public var date: CalendarDate
    /// Its lines: debits and credits, merged per account and party, none zero.
    public var lines: [PostingLine]

    /// Σ debits = Σ credits.
    public var balances: Bool { lines.reduce(0) { $0 + $1.amount } == 0 }
}

/// Turns business events into journals.
public enum Posting {
    /// The event types the ledger posts.
    public static let eventTypes: Set<EventType> = [
        PurchasingEvents.goodsReceived, PurchasingEvents.vendorBillPosted, PurchasingEvents.purchaseReturned,
        SalesEvents.goodsDelivered, SalesEvents.invoiceIssued, SalesEvents.creditNoteIssued,
        InventoryEvents.stockIssued, InventoryEvents.stockAdjusted, InventoryEvents.stockTransferred,
        FinanceEvents.paymentReceived, FinanceEvents.paymentMade, FinanceEvents.journalPosted,
    ]

    /// The payload keys each rule reads, which the ledger's log read keeps
    /// (``LedgerProjector/payloadSQL``); a key not listed here never reaches the rule.
    static let fields: [(EventType, [String])] = {
        let stockDocument = ["id", "kind", "reference", "postedOn"]
        let payment = [
            "id", "customerId", "vendorId", "reference", "chequeNumber", "accountId", "amountPaise", "paymentDate",
        ]
        return [
            (PurchasingEvents.goodsReceived, ["id", "vendorReference", "receivedOn"]),
            (
                PurchasingEvents.vendorBillPosted,
                [
                    "id", "vendorId", "billNumber", "billDate", "taxable", "cgst", "sgst", "igst", "total",
                    "priceVariance",
                ]
            ),
            (PurchasingEvents.purchaseReturned, ["id", "vendorId", "returnedOn", "lines"]),
            (SalesEvents.goodsDelivered, ["id", "deliveredOn"]),
            (
                SalesEvents.invoiceIssued,
                [
                    "id", "kind", "number", "invoiceDate", "customerId", "taxable", "cgst", "sgst", "igst", "roundOff",
                    "total", "payments",
                ]
            ),
            (
                SalesEvents.creditNoteIssued,
                [
                    "id", "number", "noteDate", "customerId", "taxable", "cgst", "sgst", "igst", "roundOff", "total",
                    "refundMode", "lines",
                ]
            ),
            (InventoryEvents.stockIssued, stockDocument), (InventoryEvents.stockAdjusted, stockDocument),
            (InventoryEvents.stockTransferred, stockDocument),
            (FinanceEvents.paymentReceived, payment), (FinanceEvents.paymentMade, payment),
            (FinanceEvents.journalPosted, ["id", "entryDate", "lines"]),
        ]
    }()

    /// The event types whose rule reads the movements, each as `[warehouseId, value]`.
    static let movementsRead: Set<EventType> = [
        PurchasingEvents.goodsReceived, PurchasingEvents.purchaseReturned, SalesEvents.goodsDelivered,
        SalesEvents.invoiceIssued, SalesEvents.creditNoteIssued, InventoryEvents.stockIssued,
        InventoryEvents.stockAdjusted, InventoryEvents.stockTransferred,
    ]

    /// The journal of `event`, or `nil` when it moves no money (a stock movement of no value).
    ///
    /// - Throws: When the payload does not decode, or the rule's lines do not balance (a bug).
    public static func journal(for event: RecordedEvent) throws -> Journal? {
        var draft = Draft()
        let header: (type: String, id: Int64, reference: String, date: String)
        switch event.type {
        case PurchasingEvents.goodsReceived:
            let receipt = try event.decodePayload(as: Receipt.self)
            header = ("goods_receipt", receipt.id, receipt.vendorReference ?? "GRN \(receipt.id)", receipt.receivedOn)
            draft.post(.grni, -draft.inventory(receipt.movements))
        case PurchasingEvents.vendorBillPosted:
            let bill = try event.decodePayload(as: VendorBill.self)
            header = ("vendor_bill", bill.id, bill.billNumber, bill.billDate)
            // GRNI is cleared at what was received (the order's cost); the difference to
            // the billed price is the price variance.
            draft.post(.grni, bill.taxable - bill.priceVariance)
            draft.post(.priceVariance, bill.priceVariance)
            draft.post(.inputCGST, bill.cgst)
            draft.post(.inputSGST, bill.sgst)
            draft.post(.inputIGST, bill.igst)
            draft.post(.creditors, -bill.total, party: .vendor(bill.vendorId))
        case PurchasingEvents.purchaseReturned:
            let returned = try event.decodePayload(as: PurchaseReturn.self)
            header = ("purchase_return", returned.id, "return \(returned.id)", returned.returnedOn)
            // Units not yet billed clear GRNI at their cost. Billed units reverse what their
            // bill posted: the vendor owes back their billed value with its tax, the input
            // tax is reversed, and so is the price variance (billed value less their cost).
            // Events from before the returns kept their tax owe back the cost alone.
            for line in returned.lines {
                let cost = line.billedQuantity * line.unitCost
                let taxable = line.billedTaxable ?? cost
                let (cgst, sgst, igst) = (line.cgst ?? 0, line.sgst ?? 0, line.igst ?? 0)
                draft.post(.grni, (line.quantity - line.billedQuantity) * line.unitCost)
                draft.post(.creditors, taxable + cgst + sgst + igst, party: .vendor(returned.vendorId))
                draft.post(.inputCGST, -cgst)
                draft.post(.inputSGST, -sgst)
                draft.post(.inputIGST, -igst)
                draft.post(.priceVariance, cost - taxable)
            }
            draft.inventory(returned.movements)
            // Stock that left at another value than it came in at.
            draft.balance(to: .stockAdjustment)
        case SalesEvents.goodsDelivered:
            let delivery = try event.decodePayload(as: StockDocumentLike.self)
            header = ("delivery", delivery.id, "delivery \(delivery.id)", delivery.deliveredOn ?? "")
            draft.post(.cogs, -draft.inventory(delivery.movements))
        case SalesEvents.invoiceIssued:
            let invoice = try event.decodePayload(as: Invoice.self)
            header = ("invoice", invoice.id, invoice.number ?? "invoice \(invoice.id)", invoice.invoiceDate)
            draft.post(.sales, -invoice.taxable)
            draft.post(.outputCGST, -invoice.cgst)
            draft.post(.outputSGST, -invoice.sgst)
            draft.post(.outputIGST, -invoice.igst)
            draft.post(.roundOff, -invoice.roundOff)
            if invoice.kind == "counter_sale" {
                // Paid at once: cash to the till, UPI and card to the bank.
                for payment in invoice.payments {
                    draft.post(payment.mode == "cash" ? .cash : .bank, payment.amount)
                }
                draft.post(.cogs, -draft.inventory(invoice.movements))
            } else if let customer = invoice.customerId {
                draft.post(.debtors, invoice.total, party: .customer(customer))
            }
        case SalesEvents.creditNoteIssued:
            let note = try event.decodePayload(as: CreditNote.self)
            header = ("credit_note", note.id, note.number ?? "credit note \(note.id)", note.noteDate)
            draft.post(.sales, note.taxable)
            draft.post(.outputCGST, note.cgst)
            draft.post(.outputSGST, note.sgst)
            draft.post(.outputIGST, note.igst)
            draft.post(.roundOff, note.roundOff)
            // A B2B customer is owed it; a counter sale's buyer is paid back from the till,
            // or by UPI or card from the bank (notes from before refund modes paid cash).
            if let customer = note.customerId {
                draft.post(.debtors, -note.total, party: .customer(customer))
            } else {
                draft.post((note.refundMode ?? "cash") == "cash" ? .cash : .bank, -note.total)
            }
            // Returned goods come back at the cost they left with; written-off goods move
            // their cost from COGS to stock adjustment.
            draft.post(.cogs, -draft.inventory(note.movements))
            let writtenOff = note.lines.filter { $0.disposition == "write_off" }.reduce(Int64(0)) { $0 + $1.cost }
            draft.post(.stockAdjustment, writtenOff)
            draft.post(.cogs, -writtenOff)
        case InventoryEvents.stockIssued, InventoryEvents.stockAdjusted, InventoryEvents.stockTransferred:
            let document = try event.decodePayload(as: StockDocumentLike.self)
            header = (
                "stock_document", document.id, document.reference ?? "\(document.kind ?? "stock") \(document.id)",
                document.postedOn ?? ""
            )
            // A transfer's legs net to zero across warehouses; what does not is stock adjustment.
            draft.inventory(document.movements)
            draft.balance(to: .stockAdjustment)
        case FinanceEvents.paymentReceived, FinanceEvents.paymentMade:
            let payment = try event.decodePayload(as: Payment.self)
            header = (
                "payment", payment.id,
                payment.reference ?? payment.chequeNumber.map { "cheque \($0)" }
                    ?? "payment \(payment.id)", payment.paymentDate
            )
            // Money in: the bank or till up, the customer owes less; out: the vendor is owed less.
            if let customer = payment.customerId {
                draft.post(.id(payment.accountId), payment.amountPaise)
                draft.post(.debtors, -payment.amountPaise, party: .customer(customer))
            } else if let vendor = payment.vendorId {
                draft.post(.creditors, payment.amountPaise, party: .vendor(vendor))
                draft.post(.id(payment.accountId), -payment.amountPaise)
            }
        case FinanceEvents.journalPosted:
            let entry = try event.decodePayload(as: JournalEntry.self)
            header = ("journal_entry", entry.id, "JV \(entry.id)", entry.entryDate)
            for line in entry.lines {
                draft.post(
                    .id(line.accountId), line.debitPaise - line.creditPaise,
                    party: line.partyType.flatMap { type in line.partyId.map { LedgerParty(type: type, id: $0) } })
            }
        default:
            return nil
        }
        let lines = draft.lines
        guard !lines.isEmpty else { return nil }
        let journal = Journal(
            position: event.position, eventType: event.type, documentType: header.type, documentID: header.id,
            reference: header.reference, date: try CalendarDate(String(header.date.prefix(10))), lines: lines)
        guard journal.balances, lines.count >= 2 else {
            throw PostingError(position: event.position, lines: lines)
        }
        return journal
    }

    /// Lines gathered per account and party.
    struct Draft {
        private var amounts: [Key: Int64] = [:]
        private var order: [Key] = []

        struct Key: Hashable {
            var account: LedgerAccount
            var party: LedgerParty?
        }

        mutating func post(_ account: LedgerAccount, _ amount: Int64, party: LedgerParty? = nil) {
            guard amount != 0 else { return }
            let key = Key(account: account, party: party)
            if amounts[key] == nil { order.append(key) }
            amounts[key, default: 0] += amount
        }

        /// Posts each warehouse's inventory at the movements' signed value; returns their sum.
        @discardableResult
        mutating func inventory(_ movements: [Movement]) -> Int64 {
            var total: Int64 = 0
            for movement in movements {
                post(.inventory(warehouse: movement.warehouseId), movement.value ?? 0)
                total += movement.value ?? 0
            }
            return total
        }

        /// Posts to `account` what the lines so far leave unbalanced.
        mutating func balance(to account: LedgerAccount) {
            post(account, -amounts.values.reduce(0, +))
        }

        var lines: [PostingLine] {
            order.compactMap { key in
                let amount = amounts[key, default: 0]
                return amount == 0 ? nil : PostingLine(account: key.account, party: key.party, amount: amount)
            }
        }
    }

    struct Payment: Decodable {
        var id: Int64
        var customerId: Int64?
        var vendorId: Int64?
        var reference: String?
        var chequeNumber: String?
        var accountId: Int64
        var amountPaise: Int64
        var paymentDate: String
    }

    struct JournalEntry: Decodable {
        struct Line: Decodable {
            var accountId: Int64
            var partyType: String?
            var partyId: Int64?
            var debitPaise: Int64
            var creditPaise: Int64
        }

        var id: Int64
        var entryDate: String
        var lines: [Line]
    }

    /// A movement as the ledger's log read sends it: `[warehouseId, value]`, the value
    /// `null` when the movement carries none.
    struct Movement: Decodable {
        var warehouseId: Int64
        var value: Int64?

        init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            warehouseId = try pair.decode(Int64.self)
            value = try pair.decodeIfPresent(Int64.self)
        }
    }

    struct Receipt: Decodable {
        var id: Int64
        var vendorReference: String?
        var receivedOn: String
        var movements: [Movement]
    }

    struct VendorBill: Decodable {
        var id: Int64
        var vendorId: Int64
        var billNumber: String
        var billDate: String
        var taxable: Int64
        var cgst: Int64
        var sgst: Int64
        var igst: Int64
        var total: Int64
        var priceVariance: Int64
    }

    struct PurchaseReturn: Decodable {
        struct Line: Decodable {
            var quantity: Int64
            var billedQuantity: Int64
            var unitCost: Int64
            var billedTaxable: Int64?
            var cgst: Int64?
            var sgst: Int64?
            var igst: Int64?
        }

        var id: Int64
        var vendorId: Int64
        var returnedOn: String
        var lines: [Line]
        var movements: [Movement]
    }

    struct StockDocumentLike: Decodable {
        var id: Int64
        var kind: String?
        var reference: String?
        var postedOn: String?
        var deliveredOn: String?
        var movements: [Movement]
    }

    struct Invoice: Decodable {
        struct Payment: Decodable {
            var mode: String
            var amount: Int64
        }

        var id: Int64
        var kind: String
        var number: String?
        var invoiceDate: String
        var customerId: Int64?
        var taxable: Int64
        var cgst: Int64
        var sgst: Int64
        var igst: Int64
        var roundOff: Int64
        var total: Int64
        var payments: [Payment]
        var movements: [Movement]
    }

    struct CreditNote: Decodable {
        struct Line: Decodable {
            var disposition: String?
            var cost: Int64
        }

        var id: Int64
        var number: String?
        var noteDate: String
        var customerId: Int64?
        var taxable: Int64
        var cgst: Int64
        var sgst: Int64
        var igst: Int64
        var roundOff: Int64
        var total: Int64
        var refundMode: String?
        var lines: [Line]
        var movements: [Movement]
    }
}

/// A rule posted lines that do not balance: a bug in the rule, never in the input.
public struct PostingError: Error, CustomStringConvertible {
    /// The event.
    public var position: Int64
    /// What the rule posted.
    public var lines: [PostingLine]

    /// The event and the lines that do not add up.
    public var description: String {
        "the journal of event \(position) does not balance: \(lines.map { "\($0.account) \($0.amount)" })"
    }
}
