// The chart of accounts and the trial balance over HTTP.
import ERPHTTP
import ERPKernel
import ERPStore
import Foundation
import Hummingbird
import NIOCore
import PostgresNIO

struct FinanceRoutes {
    let client: PostgresClient

    func register(on api: APIRoutes) {
        let client = client
        api.get("accounts", permission: .financeRead, doc: .reads("The chart of accounts, in code order", Chart.self)) {
            _, context in
            JSONResponse(
                Chart(
                    items: try await client.withLiveConnection { connection in
                        try await AccountDocument.chart(on: connection, logger: context.logger)
                    }))
        }
        api.get(
            "reports/trial-balance", permission: .financeRead,
            doc: .reads(
                "Each account's debits, credits and balance up to a date, as JSON or (Accept: text/csv) CSV",
                TrialBalance.self, query: [("asOf", "last date counted, YYYY-MM-DD; today (India) when left out")])
        ) { request, context in
            var query = QueryParameters(request)
            let asOf = query.date("asOf").flatMap { try? CalendarDate($0) }
            try query.check()
            let balance = try await client.withLiveConnection { connection in
                try await TrialBalance.asOf(asOf, on: connection, logger: context.logger)
            }
            if request.headers[.accept]?.contains("text/csv") == true {
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"trial-balance-\(balance.asOf).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: balance.csv)))
            }
            return try JSONResponse(balance).response(from: request, context: context)
        }
    }
}

/// The chart of accounts.
struct Chart: Codable, Sendable {
    var items: [AccountDocument]
}
