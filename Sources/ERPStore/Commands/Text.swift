// How free text from a request is stored: trimmed, and blank as NULL.
import Foundation

/// Free text as commands store it.
public enum Text {
    /// Without leading and trailing spaces.
    public static func trimmed(_ text: String) -> String { String(text.trimmingCharacters(in: .whitespaces)) }

    /// Trimmed, and `nil` when nothing is left.
    public static func blankIsNil(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }
}
