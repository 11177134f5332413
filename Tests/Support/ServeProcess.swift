// A real `erp serve` process on a test's database, with a real HTTP client to it.
import AsyncHTTPClient
import ERPApp
import ERPEvents
import ERPKernel
import ERPPlatform
public import Foundation
import Inventory
import MasterData
public import NIOCore
public import NIOHTTP1
import Notifications
import Purchasing
import Synchronization

/// `erp serve --port 0` started as a child process; its log is collected as it is written.
public final class ServeProcess: Sendable {
    /// The `erp serve` process.
    public let child: ERPProcess
    /// The port it listens on.
    public let port: Int
    private let log: LogCollector

    /// Starts `erp serve ARGUMENTS --port 0` on `test`'s database and waits until it serves
    /// (without `--no-api`) or until its pipeline started. It signs tokens with the test
    /// key, and creates the administrator (``LiveAPI/adminEmail``) on a first start.
    public static func start(_ test: TestDatabase, _ arguments: [String] = [], environment: [String: String] = [:])
        async throws -> ServeProcess
    {
        let base = [
            "DATABASE_URL": test.url, "ERP_JWT_KEY": LiveAPI.tokenKey, "ERP_ADMIN_EMAIL": LiveAPI.adminEmail,
            "ERP_ADMIN_PASSWORD": LiveAPI.adminPassword, "ERP_BCRYPT_COST": "4",
        ]
        let child = try ERPProcess.start(
            ["serve", "--port", "0"] + arguments, environment: base.merging(environment) { _, given in given })
        let log = LogCollector(child.errors)
        let serving = !arguments.contains("--no-api")
        var port = 0
        try await eventually(timeout: .seconds(60), "erp serve started") {
            guard child.process.isRunning else { throw SetupError("erp serve exited:\n\(log.text)") }
            let text = log.text
            if serving {
                guard let range = text.range(of: "url=http://127.0.0.1:") else { return false }
                port = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
                return port > 0
            }
            return text.contains("event pipeline starting")
        }
        return ServeProcess(child: child, port: port, log: log)
    }

    private init(child: ERPProcess, port: Int, log: LogCollector) {
        self.child = child
        self.port = port
        self.log = log
    }

    private let token = Mutex<String?>(nil)

    /// The administrator's access token, signed in on first use.
    public func accessToken() async throws -> String {
        if let token = token.withLock({ $0 }) { return token }
        let body = #"{"email":"\#(LiveAPI.adminEmail)","password":"\#(LiveAPI.adminPassword)"}"#
        var signed = ""
        // The administrator is created once the schema is current, which may be after the port opens.
        try await eventually(timeout: .seconds(30), "signed in to erp serve") {
            guard let answer = try await request(.POST, "/api/v1/auth/login", body: body, authenticated: false),
                answer.status == 200,
                let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
                let token = json["accessToken"] as? String
            else { return false }
            signed = token
            return true
        }
        token.withLock { $0 = signed }
        return signed
    }

    /// Its process id.
    public var pid: Int32 { child.process.processIdentifier }
    /// What it has logged so far.
    public var logText: String { log.text }

    /// One request, signed in as the administrator unless `authenticated` is false or
    /// `headers` name an `Authorization`; the answer's status and body, or `nil` when
    /// none came within `timeout`.
    public func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        authenticated: Bool = true, timeout: TimeAmount = .seconds(20)
    ) async throws -> (status: Int, body: String)? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if authenticated, path.hasPrefix("/api/"), !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            request.headers.add(name: "Authorization", value: "Bearer \(try await accessToken())")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: bytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return nil
        }
    }

    /// POSTs and expects 200 or 201; returns the id.
    public func create(_ path: String, _ body: String) async throws -> Int {
        guard let answer = try await request(.POST, "/api/v1/\(path)", body: body), (200...201).contains(answer.status)
        else {
            throw SetupError("POST \(path) failed")
        }
        let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        guard let id = json?["id"] as? Int else { throw SetupError("POST \(path) answered no id: \(answer.body)") }
        return id
    }

    /// POSTs `body`, encoded from the server's command type, and expects 200 or 201; the new id.
    @discardableResult
    public func create(_ path: String, _ body: some Encodable) async throws -> Int {
        try await create(path, String(decoding: try Shop.encoder.encode(body), as: UTF8.self))
    }

    /// SIGTERM, then waits for the exit; throws when it takes longer than `timeout`.
    public func stop(timeout: Duration = .seconds(20)) async throws -> Int32 {
        child.signal(SIGTERM)
        try await child.waitForExit(timeout: timeout)
        return child.process.terminationStatus
    }

    /// Kills the process if it still runs (a failed test's cleanup).
    public func kill() {
        if child.process.isRunning { child.signal(SIGKILL) }
    }
}

/// Reads a pipe on a thread of its own and keeps what arrived.
public final class LogCollector: Sendable {
    private let collected = Mutex("")

    /// Collects what is written to `pipe`.
    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                self.collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    /// Everything collected so far.
    public var text: String { collected.withLock { $0 } }
}
