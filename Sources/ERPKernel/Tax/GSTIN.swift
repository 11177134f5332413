// GST identification numbers: shape and check character.

/// A validated GSTIN: 2-digit state code, PAN (5 letters, 4 digits, 1 letter), entity
/// number, `Z`, and a check character computed mod 36 over the first fourteen.
public struct GSTIN: Sendable, Hashable, TextValue {
    /// Why a text is not a GSTIN.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case length(Int)
        case shape
        case stateCode(String)
        case checkCharacter(expected: Character, found: Character)

        /// What went wrong, for people.
        public var description: String {
            switch self {
            case .length(let count): "a GSTIN has 15 characters, not \(count)"
            case .shape:
                "a GSTIN is a 2-digit state code, a PAN (AAAAA9999A), an entity character, Z and a check character"
            case .stateCode(let code): "\(code) is not an Indian state code"
            case .checkCharacter(let expected, let found): "check character is \(found), expected \(expected)"
            }
        }
    }

    /// The fifteen characters, upper case.
    public let value: String

    /// A valid value for a decoder to put in place of an invalid field.
    public static var standIn: GSTIN { GSTIN(checked: "27AAPFU0939F1ZV") }

    private init(checked value: String) {
        self.value = value
    }

    /// Validates `text` (spaces around it are ignored, letters may be lower case).
    ///
    /// - Throws: ``Problem`` naming what is wrong.
    public init(_ text: String) throws(Problem) {
        let characters = Array(text.trimmingSpaces.uppercased())
        guard characters.count == 15 else { throw .length(characters.count) }
        let digit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let letter: (Character) -> Bool = { $0.isASCII && $0.isLetter }
        let shapeIsRight =
            characters[0..<2].allSatisfy(digit) && characters[2..<7].allSatisfy(letter)
            && characters[7..<11].allSatisfy(digit) && letter(characters[11])
            && (digit(characters[12]) || letter(characters[12])) && characters[12] != "0"
            && characters[13] == "Z" && (digit(characters[14]) || letter(characters[14]))
        guard shapeIsRight else { throw .shape }
        let state = String(characters[0..<2])
        guard StateCode.isRegistration(state) else { throw .stateCode(state) }
        let expected = Self.checkCharacter(for: characters[0..<14])
        guard expected == characters[14] else { throw .checkCharacter(expected: expected, found: characters[14]) }
        value = String(characters)
    }

    /// The state the taxpayer is registered in.
    public var stateCode: String { String(value.prefix(2)) }

    /// As people read it.
    public var description: String { value }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Luhn mod 36: weights 1, 2, 1, 2 … from the left; each product adds its base-36 digits.
    static func checkCharacter(for characters: ArraySlice<Character>) -> Character {
        var sum = 0
        for (index, character) in characters.enumerated() {
            let value = alphabet.firstIndex(of: character) ?? 0
            let product = value * (index.isMultiple(of: 2) ? 1 : 2)
            sum += product / 36 + product % 36
        }
        return alphabet[(36 - sum % 36) % 36]
    }
}

extension Validation {
    /// Checks a party's registration: `stateCode` is a place, `gstin` a valid GSTIN, and
    /// the GSTIN is registered in that state (fields `gstin` and `stateCode`).
    public mutating func registration(gstin: String?, stateCode: String?) {
        if let stateCode { require(StateCode.isPlace(stateCode), "stateCode", StateCode.placeRule) }
        guard let gstin else { return }
        do {
            let valid = try GSTIN(gstin)
            if let stateCode, stateCode != valid.stateCode {
                fail("stateCode", "is \(stateCode) but the GSTIN is registered in \(valid.stateCode)")
            }
        } catch {
            fail("gstin", "is not a valid GSTIN: \(error.description)")
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
