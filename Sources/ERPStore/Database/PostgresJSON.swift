// Reading the JSON PostgreSQL builds (jsonb_build_object, to_jsonb): its timestamps.
public import Foundation

/// Decoding JSON that PostgreSQL wrote: event payloads and the documents the API shows.
public enum PostgresJSON {
    /// A decoder whose dates are PostgreSQL's JSON timestamps.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = timestamp(text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath, debugDescription: "\(text) is not a timestamp with a time zone")
                )
            }
            return date
        }
        return decoder
    }

    /// A `timestamptz` as PostgreSQL writes it in JSON: `2026-12-02T11:39:18.123456+05:30`
    /// (the fraction and the zone's minutes optional, `Z` for UTC).
    public static func timestamp(_ text: String) -> Date? {
        guard
            let match = text.wholeMatch(
                of: /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}(?::?\d{2})?)/
            )
        else { return nil }
        var zone = String(match.output.3)
        if zone != "Z" && zone.count == 3 { zone += ":00" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let whole = formatter.date(from: String(match.output.1) + zone) else { return nil }
        let fraction = match.output.2.flatMap { Double("0" + $0) } ?? 0
        return whole.addingTimeInterval(fraction)
    }
}
