// Splits a migration file into statements: PostgresNIO speaks the extended query
// protocol, which runs one statement per query.

/// A SQL file cut into the statements it holds.
public enum SQLScript {
    /// The statements of `text`, split at top-level semicolons.
    ///
    /// Semicolons inside quoted strings (`'…'`, `E'…'`), quoted identifiers (`"…"`),
    /// dollar-quoted bodies (`$$…$$`, `$tag$…$tag$`), line comments and nested block
    /// comments do not split. Statements that hold only comments or whitespace are dropped.
    public static func statements(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var statements: [String] = []
        var start = 0
        var index = 0
        var hasCode = false

        func finish(upTo end: Int) {
            if hasCode {
                var statement = String(String.UnicodeScalarView(scalars[start..<end]))
                while let last = statement.unicodeScalars.last, last.properties.isWhitespace {
                    statement.unicodeScalars.removeLast()
                }
                statements.append(statement)
            }
            hasCode = false
        }

        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case "-" where next == "-":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            case "/" where next == "*":
                var depth = 0
                while index < scalars.count {
                    if scalars[index] == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                        depth += 1
                        index += 2
                    } else if scalars[index] == "*", index + 1 < scalars.count, scalars[index + 1] == "/" {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
                continue
            case "'", "\"":
                hasCode = true
                let escapes = scalar == "'" && index > 0 && ["E", "e"].contains(scalars[index - 1])
                index += 1
                while index < scalars.count {
                    if escapes, scalars[index] == "\\" {
                        index += 2
                        continue
                    }
                    if scalars[index] == scalar {
                        // A doubled quote is an escaped quote, not the end.
                        if index + 1 < scalars.count, scalars[index + 1] == scalar {
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
                continue
            case "$":
                hasCode = true
                if let tagEnd = dollarTagEnd(scalars, from: index) {
                    let tag = scalars[index...tagEnd]
                    index = tagEnd + 1
                    while index < scalars.count {
                        if scalars[index] == "$", index + tag.count <= scalars.count,
                            scalars[index..<(index + tag.count)].elementsEqual(tag)
                        {
                            index += tag.count
                            break
                        }
                        index += 1
                    }
                    continue
                }
            case ";":
                finish(upTo: index)
                start = index + 1
            default:
                if !scalar.properties.isWhitespace { hasCode = true }
            }
            index += 1
        }
        finish(upTo: scalars.count)
        return statements
    }

    /// When a dollar quote opens at `start` (`$$` or `$tag$`), the index of its closing `$`.
    private static func dollarTagEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        // `$1` is a parameter, and an identifier may contain `$` (`a$b`), so a tag
        // cannot start right after an identifier character or with a digit.
        if start > 0, isIdentifierCharacter(scalars[start - 1]) { return nil }
        var index = start + 1
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "$" { return index }
            if index == start + 1, scalar.properties.numericType != nil { return nil }
            guard isIdentifierCharacter(scalar) else { return nil }
            index += 1
        }
        return nil
    }

    private static func isIdentifierCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
