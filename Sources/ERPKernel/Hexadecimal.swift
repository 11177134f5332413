// Bytes as lower-case hexadecimal: hashes, signatures, key prefixes.

extension Sequence<UInt8> {
    /// Two lower-case hex digits per byte.
    public var hexadecimal: String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }
}
