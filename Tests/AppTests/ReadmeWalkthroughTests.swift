// The README's examples, run exactly as written against a live `erp serve`.
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
import ERPTestSupport
import Foundation
import Inventory
import MasterData
import NIOHTTP1
import Notifications
import PostgresNIO
import Purchasing
import Testing

@Suite struct ReadmeWalkthroughTests {
    /// One README example: a curl command, the status it answers and the JSON it prints.
    struct Example: CustomStringConvertible {
        var method: HTTPMethod
        var path: String
        var headers: [(String, String)]
        var body: String?
        var status: Int
        var response: Any
        var description: String { "\(method) \(path)" }
    }

    /// Keys whose values the server fills in from the clock or a random source (tokens):
    /// only their type is compared.
    static let clockKeys: Set<String> = [
        "orderedOn", "postedOn", "receivedOn", "returnedOn", "raisedAt", "approvedAt", "cancelledAt", "postedAt",
        "acknowledgedAt", "oldestPendingSeconds", "accessToken", "refreshToken", "requestId", "invoiceDate", "issuedAt",
        // An invoice's number and year carry the financial year the example is run in.
        "number", "financialYear",
        // The sales register's range defaults to this financial year to date.
        "from", "to", "date",
        // Sales orders, deliveries, credit notes and the e-invoice's date and number.
        "confirmedAt", "deliveredOn", "noteDate", "invoiceNumber", "Dt", "No",
        // Payments, journal entries and the receivables report default to the business date.
        "paymentDate", "entryDate", "asOf", "documentDate", "dueDate",
    ]

    /// The administrator the Users README signs in as.
    static let admin = (email: "admin@example.in", password: "choose a long password")

    /// The READMEs whose examples make up the walkthrough, in the order the root README gives.
    static let walkthrough = [
        "Sources/Users/README.md", "Sources/MasterData/README.md", "Sources/Purchasing/README.md",
        "Sources/Inventory/README.md",
        "Sources/Notifications/README.md", "Sources/ERPJobs/README.md", "Sources/Sales/README.md",
        "Sources/Finance/README.md",
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The examples of every walkthrough README, in order.
    static func readmeExamples() throws -> [Example] {
        try walkthrough.flatMap { path in
            try examples(in: try String(contentsOf: root.appending(path: path), encoding: .utf8))
        }
    }

    /// The examples between the walkthrough markers, in order.
    static func examples(in readme: String) throws -> [Example] {
        guard let start = readme.range(of: "<!-- walkthrough:start -->"),
            let end = readme.range(of: "<!-- walkthrough:end -->")
        else {
            throw SetupError("the README has no walkthrough markers")
        }
        let section = readme[start.upperBound..<end.lowerBound]
        var examples: [Example] = []
        var rest = Substring(section)
        while let command = rest.range(of: "```sh\n") {
            guard let commandEnd = rest[command.upperBound...].range(of: "\n```") else { break }
            let curl = String(rest[command.upperBound..<commandEnd.lowerBound])
            rest = rest[commandEnd.upperBound...]
            guard let arrow = rest.range(of: "→ `"), let json = rest.range(of: "```json\n"),
                let jsonEnd = rest[json.upperBound...].range(of: "\n```")
            else { throw SetupError("no answer after \(curl)") }
            let status = Int(rest[arrow.upperBound...].prefix { $0.isNumber }) ?? 0
            let response = try JSONSerialization.jsonObject(with: Data(rest[json.upperBound..<jsonEnd.lowerBound].utf8))
            rest = rest[jsonEnd.upperBound...]
            examples.append(try parse(curl, status: status, response: response))
        }
        return examples
    }

    /// Reads `curl -s [-X METHOD] URL [-H 'name: value']… [-d 'body']` as a shell would
    /// (single quotes keep everything, double quotes let `$TOKEN` through).
    static func parse(_ command: String, status: Int, response: Any) throws -> Example {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for character in command.replacingOccurrences(of: "\\\n", with: " ") {
            if character == "'" || character == "\"", quote == nil || quote == character {
                quote = quote == nil ? character : nil
                inWord = true
            } else if character.isWhitespace && quote == nil {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        guard words.first == "curl" else { throw SetupError("not a curl command: \(command)") }
        var method = HTTPMethod.GET
        var url: String?
        var headers: [(String, String)] = []
        var body: String?
        var index = 1
        while index < words.count {
            switch words[index] {
            case "-s": break
            case "-X":
                index += 1
                method = HTTPMethod(rawValue: words[index])
            case "-H":
                index += 1
                let parts = words[index].split(separator: ":", maxSplits: 1).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                headers.append((parts[0], parts.count > 1 ? parts[1] : ""))
            case "-d":
                index += 1
                body = words[index]
            default:
                url = words[index]
            }
            index += 1
        }
        guard let url, url.hasPrefix("localhost:8080/") else {
            throw SetupError("the URL of \(command) is not on localhost:8080")
        }
        headers.removeAll { $0.0.lowercased() == "content-type" }
        return Example(
            method: method, path: String(url.dropFirst("localhost:8080".count)), headers: headers, body: body,
            status: status,
            response: response
        )
    }

    /// Where `actual` differs from the README's `expected`, by path; clock-filled values need only the same type.
    static func differences(_ expected: Any, _ actual: Any, at path: String = "") -> [String] {
        switch (expected, actual) {
        case (let expected as [String: Any], let actual as [String: Any]):
            var found: [String] = []
            for key in Set(expected.keys).union(actual.keys).sorted() {
                guard let want = expected[key], let got = actual[key] else {
                    found.append("\(path).\(key): \(expected[key] == nil ? "not in the README" : "missing")")
                    continue
                }
                if clockKeys.contains(key) {
                    if (want is NSNull) != (got is NSNull) {
                        found.append("\(path).\(key): \(got) where the README has \(want)")
                    }
                    continue
                }
                found += differences(want, got, at: "\(path).\(key)")
            }
            return found
        case (let expected as [Any], let actual as [Any]):
            guard expected.count == actual.count else {
                return ["\(path): \(actual.count) items where the README has \(expected.count)"]
            }
            return zip(expected, actual).enumerated().flatMap { differences($1.0, $1.1, at: "\(path)[\($0)]") }
        default:
            let same =
                "\(expected)" == "\(actual)" && type(of: expected) == type(of: actual)
                || (expected as? NSObject)?.isEqual(actual) == true
            return same ? [] : ["\(path): \(actual) where the README has \(expected)"]
        }
    }

    @Test func everyExampleInTheReadmeAnswersAsWritten() async throws {
        let examples = try Self.readmeExamples()
        #expect(examples.count >= 20)
        try await TestDatabase.withDatabase { test in
            let server = try await ServeProcess.start(
                test, ["--poll-interval", "50"],
                environment: ["ERP_ADMIN_EMAIL": Self.admin.email, "ERP_ADMIN_PASSWORD": Self.admin.password])
            defer { server.kill() }
            // erp serve creates the administrator once the schema is current, after its port opens.
            try await eventually("the administrator exists") {
                try await test.scalar("SELECT count(*) > 0 FROM users", as: Bool.self)
            }
            // The README signs in first and sends what it answered as $TOKEN.
            var token = ""
            for example in examples {
                let headers = example.headers.map { ($0.0, $0.1.replacingOccurrences(of: "$TOKEN", with: token)) }
                var last: [String] = []
                // Reads of projections may trail the commands before them by a moment.
                let tries = example.method == .GET ? 100 : 1
                for attempt in 1...tries {
                    let answer = try #require(
                        try await server.request(
                            example.method, example.path, body: example.body, headers: headers, authenticated: false),
                        "\(example)"
                    )
                    let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8))
                    last =
                        (answer.status == example.status
                            ? [] : ["status \(answer.status), the README says \(example.status)"])
                        + Self.differences(example.response, json)
                    if example.path == "/api/v1/auth/login", let answer = json as? [String: Any] {
                        token = answer["accessToken"] as? String ?? ""
                    }
                    if last.isEmpty || attempt == tries { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(last.isEmpty, "\(example): \(last.joined(separator: "; "))")
            }
            #expect(try await server.stop() == 0)
        }
    }
}
