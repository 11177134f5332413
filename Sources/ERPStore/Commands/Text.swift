// How free text from a request is stored: trimmed, and blank as NULL.
import Foundation

enum Text {
    static func trimmed(_ text: String) -> String { String(text.trimmingCharacters(in: .whitespaces)) }

    static func blankIsNil(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }
}
