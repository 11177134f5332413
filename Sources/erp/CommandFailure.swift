// A command that fails prints one clear line and exits non-zero; no stack traces.
import ArgumentParser
import ERPStore
import Foundation

/// An error whose message is all the operator needs to read.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Runs `body`, turning any error into one line on standard error and exit status 1.
func reportingFailure<Result>(
    _ database: Database? = nil, _ body: () async throws -> Result
) async throws -> Result {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CommandFailure {
        printError(error.description)
    } catch {
        printError(databaseErrorMessage(error, configuration: database?.configuration))
    }
    throw ExitCode.failure
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data("erp: \(line)\n".utf8))
}
