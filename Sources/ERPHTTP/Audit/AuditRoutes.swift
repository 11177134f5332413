// /api/v1/audit: who did what, read from the event log.
import ERPStore
import Foundation
import Hummingbird
import PostgresNIO

extension Permission {
    /// Reading the audit trail (every event, with who caused it).
    public static let auditRead = Permission("audit.read")
}

/// One event as the audit trail lists it.
struct AuditEntry: Decodable, Sendable {
    var position: Int64
    var type: String
    /// `TYPE:ID`.
    var aggregate: String
    var recordedAt: Date
    var actor: String?
    var actorName: String?
    var requestId: String?
    var clientAddress: String?
    var payload: JSONObject
}

/// `GET /api/v1/audit`: the event log as an audit trail, newest first.
///
/// Filters: `aggregate=TYPE:ID` (`product:12`), `actor=` (`user:12`, `api_key:3`, or an
/// email), `type=` (`stock.adjusted`), `from=`/`to=` (dates, inclusive, in India time);
/// `limit` and `cursor` page.
struct AuditRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let client = client
        api.get(
            "audit", permission: .auditRead,
            doc: .lists(
                "Who did what: the event log, newest first", AuditEntry.self,
                query: [
                    ("aggregate", "TYPE:ID, e.g. product:12"), ("actor", "user:12, api_key:3, or an email"),
                    ("type", "an event type, e.g. stock.adjusted"), ("from", "a date, India time"),
                    ("to", "a date, India time, inclusive"),
                ])
        ) { request, context in
            var query = QueryParameters(request)
            let aggregate = query.text("aggregate")
            let actor = query.text("actor")
            let type = query.text("type")
            let from = query.date("from")
            let to = query.date("to")
            let limit = query.limit()
            let before = query.cursor(count: 1)?.first ?? Int64.max
            let parts = aggregate?.split(separator: ":", maxSplits: 1).map(String.init)
            if let parts, parts.count != 2 { query.fail("aggregate", "must be TYPE:ID, e.g. product:12") }
            try query.check()
            let aggregateType = parts?.first
            let aggregateID = parts?.last
            let rows = try await client.withLiveConnection { connection in
                try await connection.rows(
                    """
                    SELECT position, jsonb_strip_nulls(jsonb_build_object(
                               'position', position, 'type', type, 'aggregate', aggregate_type || ':' || aggregate_id,
                               'recordedAt', recorded_at, 'actor', metadata ->> 'actor',
                               'actorName', metadata ->> 'actorName', 'requestId', metadata ->> 'requestId',
                               'clientAddress', metadata ->> 'clientAddress', 'payload', payload))::text
                      FROM events
                     WHERE position < \(before)
                       AND (\(aggregateType)::text IS NULL
                            OR (aggregate_type = \(aggregateType) AND aggregate_id = \(aggregateID)))
                       AND (\(actor)::text IS NULL
                            OR metadata ->> 'actor' = \(actor) OR metadata ->> 'actorName' = lower(\(actor)))
                       AND (\(type)::text IS NULL OR type = \(type))
                       AND (\(from)::date IS NULL OR recorded_at >= (\(from)::date)::timestamp AT TIME ZONE 'Asia/Kolkata')
                       AND (\(to)::date IS NULL
                            OR recorded_at < ((\(to)::date) + 1)::timestamp AT TIME ZONE 'Asia/Kolkata')
                     ORDER BY position DESC
                     LIMIT \(limit + 1)
                    """,
                    as: (Int64, String).self, logger: context.logger)
            }
            let page = rows.prefix(limit)
            return Page(
                items: page.map { SQLJSON($0.1) },
                nextCursor: rows.count > limit ? page.last.map { QueryParameters.cursor(after: [$0.0]) } : nil)
        }
    }
}
