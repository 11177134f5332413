// The bodies of finance's commands: manual journal entries and their reversal, payments
// with allocations, the lock date.
public import ERPKernel

/// One line of a manual journal entry: a debit or a credit to an account.
public struct NewJournalLine: Sendable, Codable, Hashable {
    /// The account's code, e.g. `1100`.
    public var accountCode: String
    /// `customer` or `vendor`: required on a control account (Debtors, Creditors), refused elsewhere.
    public var partyType: String?
    /// The customer's or vendor's id.
    public var partyId: Int64?
    /// The debit in paise; give it or the credit.
    public var debitPaise: Int64?
    /// The credit in paise.
    public var creditPaise: Int64?

    /// A line.
    public init(
        accountCode: String, partyType: String? = nil, partyId: Int64? = nil, debitPaise: Int64? = nil,
        creditPaise: Int64? = nil
    ) {
        self.accountCode = accountCode
        self.partyType = partyType
        self.partyId = partyId
        self.debitPaise = debitPaise
        self.creditPaise = creditPaise
    }

    /// Debit positive, credit negative.
    var signed: Int64 { (debitPaise ?? 0) - (creditPaise ?? 0) }
}

/// The body of `POST /journal-entries`.
public struct NewJournalEntry: Sendable, Codable, Hashable {
    /// The posting date; the business date when left out.
    public var entryDate: CalendarDate?
    /// Why, in words: required.
    public var narration: String
    /// Two or more lines whose debits equal their credits.
    public var lines: [NewJournalLine]

    /// An entry.
    public init(entryDate: CalendarDate? = nil, narration: String, lines: [NewJournalLine]) {
        self.entryDate = entryDate
        self.narration = narration
        self.lines = lines
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.text(narration, "narration", maximum: 300)
        check.require((2...200).contains(lines.count), "lines", "must have 2 to 200 lines")
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            let amounts = [line.debitPaise, line.creditPaise].compactMap { $0 }
            check.require(
                amounts.count == 1 && (1...1_000_000_000_000).contains(amounts[0]), field,
                "must have a debitPaise or a creditPaise (not both), more than 0")
            check.require(
                (line.partyType == nil) == (line.partyId == nil), "\(field).partyId",
                "partyType and partyId go together")
            if let type = line.partyType {
                check.require(
                    ["customer", "vendor"].contains(type), "\(field).partyType", "must be customer or vendor")
            }
        }
        let debits = lines.reduce(Int64(0)) { $0 + ($1.debitPaise ?? 0) }
        let credits = lines.reduce(Int64(0)) { $0 + ($1.creditPaise ?? 0) }
        check.require(
            debits == credits, "lines", "debits (\(Money(paise: debits))) must equal credits (\(Money(paise: credits)))"
        )
        try check.check()
    }
}

/// The body of `POST /journal-entries/{id}/reverse`.
public struct JournalReversal: Sendable, Codable, Hashable {
    /// The reversing entry's date; the business date when left out.
    public var entryDate: CalendarDate?
    /// Why; `Reversal of journal entry N` when left out.
    public var narration: String?

    /// A reversal.
    public init(entryDate: CalendarDate? = nil, narration: String? = nil) {
        self.entryDate = entryDate
        self.narration = narration
    }
}

/// What of a payment goes to one invoice (a receipt) or vendor bill (a payment).
public struct NewAllocation: Sendable, Codable, Hashable {
    /// A B2B invoice of the receipt's customer.
    public var invoiceId: Int64?
    /// A bill of the payment's vendor.
    public var vendorBillId: Int64?
    /// How much, in paise, more than 0.
    public var amountPaise: Int64

    /// An allocation.
    public init(invoiceId: Int64? = nil, vendorBillId: Int64? = nil, amountPaise: Int64) {
        self.invoiceId = invoiceId
        self.vendorBillId = vendorBillId
        self.amountPaise = amountPaise
    }
}

/// The body of `POST /customer-receipts` and `POST /vendor-payments`.
public struct NewPayment: Sendable, Codable, Hashable {
    /// The customer who paid (a receipt).
    public var customerId: Int64?
    /// The vendor paid (a payment).
    public var vendorId: Int64?
    /// `cash`, `bank_transfer`, `upi`, `card` or `cheque`.
    public var mode: String
    /// The bank's, UPI or card reference.
    public var reference: String?
    /// A cheque's 6-digit number: required for a cheque.
    public var chequeNumber: String?
    /// A cheque's date: required for a cheque.
    public var chequeDate: CalendarDate?
    /// The cash or bank account's code (`1100` cash, `1201` bank, or one added under Bank accounts).
    public var accountCode: String
    /// The amount in paise, more than 0.
    public var amountPaise: Int64
    /// The payment's date; the business date when left out.
    public var paymentDate: CalendarDate?
    /// A note.
    public var narration: String?
    /// What it settles now; the rest is an advance, allocated later.
    public var allocations: [NewAllocation]?

    /// A payment.
    public init(
        customerId: Int64? = nil, vendorId: Int64? = nil, mode: String, reference: String? = nil,
        chequeNumber: String? = nil, chequeDate: CalendarDate? = nil, accountCode: String, amountPaise: Int64,
        paymentDate: CalendarDate? = nil, narration: String? = nil, allocations: [NewAllocation]? = nil
    ) {
        self.customerId = customerId
        self.vendorId = vendorId
        self.mode = mode
        self.reference = reference
        self.chequeNumber = chequeNumber
        self.chequeDate = chequeDate
        self.accountCode = accountCode
        self.amountPaise = amountPaise
        self.paymentDate = paymentDate
        self.narration = narration
        self.allocations = allocations
    }

    /// - Parameter receipt: A customer receipt (else a vendor payment).
    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate(receipt: Bool) throws(InvalidFields) {
        var check = Validation()
        if receipt {
            check.require((customerId ?? 0) > 0, "customerId", "is required: the customer who paid")
            check.require(vendorId == nil, "vendorId", "a customer receipt names no vendor")
        } else {
            check.require((vendorId ?? 0) > 0, "vendorId", "is required: the vendor paid")
            check.require(customerId == nil, "customerId", "a vendor payment names no customer")
        }
        check.require(
            ["cash", "bank_transfer", "upi", "card", "cheque"].contains(mode), "mode",
            "must be cash, bank_transfer, upi, card or cheque")
        check.text(reference, "reference", maximum: 60, required: false)
        check.text(narration, "narration", maximum: 300, required: false)
        if mode == "cheque" {
            check.require(
                chequeNumber.map { $0.count == 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) } ?? false,
                "chequeNumber", "is required for a cheque: its 6 digits")
            check.require(chequeDate != nil, "chequeDate", "is required for a cheque")
        } else {
            check.require(chequeNumber == nil, "chequeNumber", "only a cheque has one")
            check.require(chequeDate == nil, "chequeDate", "only a cheque has one")
        }
        check.require((1...1_000_000_000_000).contains(amountPaise), "amountPaise", "must be more than 0")
        NewPayment.check(allocations ?? [], receipt: receipt, into: &check)
        let allocated = (allocations ?? []).reduce(Int64(0)) { $0 + $1.amountPaise }
        check.require(
            allocated <= amountPaise, "allocations",
            "allocate \(Money(paise: allocated)), more than the \(Money(paise: amountPaise)) paid")
        try check.check()
    }

    static func check(_ allocations: [NewAllocation], receipt: Bool, into check: inout Validation) {
        check.require(allocations.count <= 500, "allocations", "at most 500 at a time")
        for (index, allocation) in allocations.enumerated() {
            let field = "allocations[\(index)]"
            if receipt {
                check.require(
                    (allocation.invoiceId ?? 0) > 0, "\(field).invoiceId", "is required: a receipt settles invoices")
                check.require(allocation.vendorBillId == nil, "\(field).vendorBillId", "a receipt settles invoices")
            } else {
                check.require(
                    (allocation.vendorBillId ?? 0) > 0, "\(field).vendorBillId", "is required: a payment settles bills")
                check.require(allocation.invoiceId == nil, "\(field).invoiceId", "a payment settles bills")
            }
            check.require(
                (1...1_000_000_000_000).contains(allocation.amountPaise), "\(field).amountPaise", "must be more than 0")
        }
        check.unique(
            allocations.map { [$0.invoiceId ?? 0, $0.vendorBillId ?? 0] }, field: { "allocations[\($0)]" },
            message: { "names the same document as allocations[\($0)]" })
    }
}

/// The body of `POST /payments/{id}/allocations` and `…/unallocations`.
public struct AllocationChange: Sendable, Codable, Hashable {
    /// What to allocate (or give back).
    public var allocations: [NewAllocation]

    /// A change.
    public init(allocations: [NewAllocation]) {
        self.allocations = allocations
    }
}

/// The body of `PUT /finance/lock-date`.
public struct LockDate: Sendable, Codable, Hashable {
    /// Nothing may be posted on or before it. It only moves forward, and stays before the
    /// business date.
    public var lockDate: CalendarDate

    /// A lock date.
    public init(lockDate: CalendarDate) {
        self.lockDate = lockDate
    }
}

/// A journal entry as the API shows it and `journal.posted` carries it.
public struct JournalEntryDocument: Sendable, Codable, Hashable {
    /// One line.
    public struct Line: Sendable, Codable, Hashable {
        /// Its position in the entry, from 1.
        public var lineNumber: Int
        /// The account.
        public var accountId: Int64
        /// The account's code.
        public var accountCode: String
        /// `customer` or `vendor`, on a control account.
        public var partyType: String?
        /// The party's id.
        public var partyId: Int64?
        /// The debit in paise (0 on a credit line).
        public var debitPaise: Int64
        /// The credit in paise (0 on a debit line).
        public var creditPaise: Int64
    }

    /// Its id.
    public var id: Int64
    /// Its posting date.
    public var entryDate: CalendarDate
    /// Why.
    public var narration: String
    /// The entry it reverses.
    public var reversesEntryId: Int64?
    /// The entry that reversed it.
    public var reversedByEntryId: Int64?
    /// When it was posted.
    public var postedAt: String
    /// Its lines.
    public var lines: [Line]
}

/// A customer receipt or vendor payment as the API shows it and `payment.received` /
/// `payment.made` carry it.
public struct PaymentDocument: Sendable, Codable, Hashable {
    /// What it settles, net of unallocations.
    public struct Allocation: Sendable, Codable, Hashable {
        /// The invoice (a receipt).
        public var invoiceId: Int64?
        /// The vendor bill (a payment).
        public var vendorBillId: Int64?
        /// How much, in paise.
        public var amountPaise: Int64
    }

    /// Its id.
    public var id: Int64
    /// `receipt` or `payment`.
    public var direction: String
    /// The customer (a receipt).
    public var customerId: Int64?
    /// The vendor (a payment).
    public var vendorId: Int64?
    /// `cash`, `bank_transfer`, `upi`, `card` or `cheque`.
    public var mode: String
    /// The bank's, UPI or card reference.
    public var reference: String?
    /// A cheque's number.
    public var chequeNumber: String?
    /// A cheque's date.
    public var chequeDate: CalendarDate?
    /// The cash or bank account.
    public var accountId: Int64
    /// Its code.
    public var accountCode: String
    /// The amount in paise.
    public var amountPaise: Int64
    /// Its date.
    public var paymentDate: CalendarDate
    /// A note.
    public var narration: String?
    /// When it was posted.
    public var postedAt: String
    /// How much of it is allocated; the rest is an advance.
    public var allocatedPaise: Int64
    /// What it settles.
    public var allocations: [Allocation]
}

/// One allocation (positive) or unallocation (negative), as `payment.allocated` and
/// `payment.unallocated` carry it.
public struct AllocationDocument: Sendable, Codable, Hashable {
    /// Its id.
    public var id: Int64
    /// The payment.
    public var paymentId: Int64
    /// `receipt` or `payment`.
    public var direction: String
    /// The payment's customer.
    public var customerId: Int64?
    /// The payment's vendor.
    public var vendorId: Int64?
    /// The invoice.
    public var invoiceId: Int64?
    /// The vendor bill.
    public var vendorBillId: Int64?
    /// Signed paise: negative gives an allocation back.
    public var amountPaise: Int64
    /// When.
    public var allocatedAt: String
}

/// The finance settings as `finance.lock_date_set` carries them and `GET /finance/lock-date` shows them.
public struct FinanceSettingsDocument: Sendable, Codable, Hashable {
    /// Nothing is posted on or before it.
    public var lockDate: CalendarDate?
    /// Raised by every change.
    public var version: Int
}

/// The body of `POST /accounts`: an account (or a group) under a group.
public struct NewAccount: Sendable, Codable, Hashable {
    /// Its code: capital letters, digits, `/` and `-`, up to 20, e.g. `1202`.
    public var code: String
    /// Its name.
    public var name: String
    /// The group it goes under; it takes the group's type.
    public var groupCode: String
    /// A group holds accounts and takes no postings.
    public var isGroup: Bool?

    /// An account.
    public init(code: String, name: String, groupCode: String, isGroup: Bool? = nil) {
        self.code = code
        self.name = name
        self.groupCode = groupCode
        self.isGroup = isGroup
    }

    /// - Throws: ``InvalidFields`` listing each bad field.
    public func validate() throws(InvalidFields) {
        var check = Validation()
        check.require(
            code.count <= 20 && code.first.map { $0.isNumber || ("A"..."Z").contains($0) } == true
                && code.allSatisfy { $0.isASCII && ($0.isNumber || ("A"..."Z").contains($0) || $0 == "/" || $0 == "-") },
            "code", "must be 1 to 20 capital letters, digits, / or -, starting with a letter or digit")
        check.text(name, "name", maximum: 200)
        check.require(!groupCode.isEmpty, "groupCode", "is required: the group it goes under")
        try check.check()
    }
}

/// The body of `PATCH /accounts/{id}`: a new name, or `"active": false` to deactivate.
public struct AccountChanges: Sendable, Codable, Hashable {
    /// A new name.
    public var name: String?
    /// `false` deactivates: no new postings; `true` activates again.
    public var active: Bool?

    /// Changes.
    public init(name: String? = nil, active: Bool? = nil) {
        self.name = name
        self.active = active
    }
}

/// The payload of `invoice.overdue_detected`: an invoice past its due date with
/// something outstanding, as the overdue scan found it.
public struct InvoiceOverdueFinding: Sendable, Codable, Hashable {
    /// The finding's id.
    public var id: Int64
    /// The invoice.
    public var invoiceId: Int64
    /// Its number.
    public var invoiceNumber: String
    /// Its date.
    public var invoiceDate: CalendarDate
    /// Its customer.
    public var customerId: Int64
    /// The customer's name.
    public var customerName: String
    /// The invoice date plus the customer's payment terms.
    public var dueOn: CalendarDate
    /// The invoice's total in paise.
    public var totalPaise: Int64
    /// What was outstanding on it on the day of the scan, in paise.
    public var outstandingPaise: Int64
    /// Days past the due date on the day of the scan.
    public var daysOverdue: Int
    /// The business date of the scan.
    public var detectedOn: CalendarDate
}
