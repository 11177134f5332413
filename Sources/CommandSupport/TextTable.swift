// Plain aligned columns for terminal output.
import Foundation

/// Rows of text cells printed as left-aligned columns, for `erp` and `erp-bench`.
public struct TextTable: Sendable {
    /// The header row.
    public let columns: [String]
    private var rows: [[String]] = []

    /// Creates a table with this header row.
    public init(columns: [String]) {
        self.columns = columns
    }

    /// Appends a row; cells beyond the header's count are printed unpadded.
    public mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The table as text, one line per row, each ending in a newline.
    public var rendered: String {
        let all = [columns] + rows
        let widths = columns.indices.map { index in all.map { $0.count > index ? $0[index].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }.joined()
    }
}
