// `erp seed`: write a realistic stock history, for benchmarks and demonstrations.
import ArgumentParser
import ERPApp
import ERPPlatform
import ERPStore
import Foundation

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Write a stock history of at least N events through the write-model tables and their triggers.",
        discussion: """
            Creates a seed vendor, warehouses (SEED-n) and remedies (SEED-n) on first use, then adds rounds: \
            per warehouse, a purchase order approved and received into new batches, then issues, \
            transfers and count adjustments against them. Stock on hand moves with every document, as the \
            commands move it. Run it against a database you can fill: it only adds. Progress goes to \
            standard error.
            """
    )

    @OptionGroup var options: DatabaseOptions

    @Option(help: ArgumentHelp("Events to write, at least.", valueName: "n"))
    var events: Int

    @Option(help: ArgumentHelp("Products in the seed catalogue.", valueName: "n"))
    var products = 200

    @Option(help: ArgumentHelp("Seed warehouses.", valueName: "n"))
    var warehouses = 3

    @Option(help: ArgumentHelp("Stock documents per warehouse per round.", valueName: "n"))
    var documentsPerRound = 100

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
        guard (10...100_000).contains(products) else { throw ValidationError("--products must be 10…100000") }
        guard (1...50).contains(warehouses) else { throw ValidationError("--warehouses must be 1…50") }
        guard (1...1000).contains(documentsPerRound) else {
            throw ValidationError("--documents-per-round must be 1…1000")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let reporter = ProgressReporter()
        let written = try await options.withConnection(label: "erp.seed") { connection, logger in
            let seeder = StockHistorySeeder(
                configuration: .init(
                    products: products, warehouses: warehouses, documentsPerWarehouse: documentsPerRound),
                logger: logger
            )
            return try await seeder.seed(events: events, on: connection) { written in
                reporter.report(
                    "seed", done: Int64(written), total: Int64(events), elapsed: ContinuousClock.now - started)
            }
        }
        reporter.finish()
        print("wrote \(written) events in \(String(format: "%.1f", (ContinuousClock.now - started).inSeconds)) s")
    }
}
