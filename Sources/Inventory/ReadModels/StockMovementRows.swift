// A stock event's movements as compact text PostgreSQL writes and the projector splits:
// what a stock levels rebuild reads instead of the JSON payload.
import ERPEvents
import ERPKernel
import ERPStore
import MasterData

/// The movements of a stock-moving event, one per `;`, fields by `,`:
/// `productId,warehouseId,batchId,quantity,unitCost,value,expiresOn,batchNumber`
/// (unitCost and value empty when absent); then, after a `|`, the reservations it makes or
/// releases, `productId,warehouseId,quantity` one per `;`. Batch numbers hold letters,
/// digits and `./_-` only (the `batches` CHECK), so no separator can occur inside a field.
///
/// Measured on a 400,000-event log, decoding the JSON payloads with `JSONDecoder` took
/// about two thirds of a rebuild's CPU; splitting this form takes a small part of that.
enum StockMovementRows {
    /// The payload is not in this form.
    struct Malformed: Error, CustomStringConvertible {
        var position: Int64
        var row: String
        var description: String {
            "event \(position): '\(row)' is not a movement (productId,warehouseId,batchId,quantity,unitCost,value,expiresOn,batchNumber)"
        }
    }

    /// One event's movements and reservations.
    struct Parsed {
        var movements: [StockMovement]
        var reservations: [StockReservation]
    }

    /// The SQL expression over an event's `payload` that writes this form.
    static let sql = """
        concat((SELECT string_agg(concat_ws(',', m ->> 'productId', m ->> 'warehouseId', m ->> 'batchId', m ->> 'quantity',
                                            COALESCE(m ->> 'unitCost', ''), COALESCE(m ->> 'value', ''), m ->> 'expiresOn',
                                            m ->> 'batchNumber'), ';' ORDER BY n)
                  FROM jsonb_array_elements(COALESCE(payload -> 'movements', '[]')) WITH ORDINALITY AS x(m, n)),
               '|',
               (SELECT string_agg(concat_ws(',', r ->> 'productId', r ->> 'warehouseId', r ->> 'quantity'), ';' ORDER BY n)
                  FROM jsonb_array_elements(COALESCE(payload -> 'reservations', '[]')) WITH ORDINALITY AS y(r, n)))
        """

    /// The movements and reservations in `text`, in the payload's order.
    ///
    /// Read byte by byte: this runs for every stock event a rebuild applies.
    static func parse(_ text: String, position: Int64) throws -> Parsed {
        var text = text
        return try text.withUTF8 { bytes throws(Malformed) in
            var movements: [StockMovement] = []
            var reservations: [StockReservation] = []
            var index = 0
            // Before the `|`; a payload from before reservations has none.
            let split = bytes.firstIndex(of: UInt8(ascii: "|")) ?? bytes.count
            let malformed = { Malformed(position: position, row: String(decoding: bytes, as: UTF8.self)) }
            /// A decimal integer ending at `end` (or the end of the text); `nil` for an empty field.
            func integer(until end: UInt8) throws(Malformed) -> Int64? {
                var negative = false
                if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                    negative = true
                    index += 1
                }
                var value: Int64 = 0
                var digits = 0
                while index < bytes.count, bytes[index] != end, bytes[index] != UInt8(ascii: ";") {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10, digits < 18 else { throw malformed() }
                    value = value * 10 + Int64(digit)
                    digits += 1
                    index += 1
                }
                if index < bytes.count, bytes[index] == end { index += 1 }
                guard digits > 0 else {
                    if negative { throw malformed() }
                    return nil
                }
                return negative ? -value : value
            }
            func required(until end: UInt8) throws(Malformed) -> Int64 {
                guard let value = try integer(until: end) else { throw malformed() }
                return value
            }
            while index < split {
                let product = try required(until: UInt8(ascii: ","))
                let warehouse = try required(until: UInt8(ascii: ","))
                let batch = try required(until: UInt8(ascii: ","))
                let quantity = try required(until: UInt8(ascii: ","))
                let unitCost = try integer(until: UInt8(ascii: ","))
                let value = try integer(until: UInt8(ascii: ","))
                let year = try required(until: UInt8(ascii: "-"))
                let month = try required(until: UInt8(ascii: "-"))
                let day = try required(until: UInt8(ascii: ","))
                guard let expiresOn = try? CalendarDate(year: Int(year), month: Int(month), day: Int(day)) else {
                    throw malformed()
                }
                let start = index
                while index < split, bytes[index] != UInt8(ascii: ";") { index += 1 }
                guard index > start else { throw malformed() }
                let batchNumber = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                movements.append(
                    StockMovement(
                        productId: product, warehouseId: warehouse, batchId: batch, batchNumber: batchNumber,
                        expiresOn: expiresOn, quantity: quantity, unitCost: unitCost, value: value
                    )
                )
            }
            index = split + 1
            while index < bytes.count {
                let product = try required(until: UInt8(ascii: ","))
                let warehouse = try required(until: UInt8(ascii: ","))
                let quantity = try required(until: UInt8(ascii: ";"))
                reservations.append(
                    StockReservation(product: product, warehouse: warehouse, quantity: quantity, field: ""))
            }
            return Parsed(movements: movements, reservations: reservations)
        }
    }
}
