// swift-tools-version:6.2
// ERPCore: one Swift service on PostgreSQL alone.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // The project's own code builds without a warning, and stays so.
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "erpcore",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "erp", targets: ["erp"]),
        .executable(name: "erp-bench", targets: ["erp-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // Build-time tool: turns sql/ and triggers/ into Swift string literals so the
        // binary carries its migrations while those folders stay the single source.
        .executableTarget(
            name: "EmbedSQL",
            swiftSettings: swiftSettings
        ),
        .plugin(
            name: "EmbedSQLPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedSQL"],
            path: "Sources/EmbedSQLPlugin"
        ),
        // The business rules without I/O: money, GSTIN, GST, master data and document rules.
        .target(
            name: "ERPDomain",
            swiftSettings: swiftSettings
        ),
        // PostgreSQL access: configuration, connection, migrations, command handlers.
        .target(
            name: "ERPStore",
            dependencies: [
                "ERPDomain",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedSQLPlugin"]
        ),
        // The event log: reader, listener, projector runtime.
        .target(
            name: "ERPEvents",
            dependencies: [
                "ERPStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The job queue: transactional enqueue, SKIP LOCKED claims, retries, history,
        // the runner with its schedules, and the jobs themselves.
        .target(
            name: "ERPJobs",
            dependencies: [
                "ERPDomain",
                "ERPStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The read models: projectors that turn events into query tables.
        .target(
            name: "ERPProjections",
            dependencies: [
                "ERPDomain",
                "ERPEvents",
                "ERPStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird routes, middleware and error mapping.
        .target(
            name: "ERPHTTP",
            dependencies: [
                "ERPDomain",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                "ERPProjections",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // Terminal output shared by the command-line tools.
        .target(
            name: "CommandSupport",
            swiftSettings: swiftSettings
        ),
        // The `erp` command line: wires the targets together, nothing else.
        .executableTarget(
            name: "erp",
            dependencies: [
                "CommandSupport",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                "ERPProjections",
                "ERPHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench`: end-to-end latency and catch-up throughput of the event pipeline.
        .executableTarget(
            name: "erp-bench",
            dependencies: [
                "CommandSupport",
                "ERPDomain",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                "ERPProjections",
                "ERPHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ERPCoreTests",
            dependencies: [
                "ERPDomain",
                "ERPJobs",
                "ERPStore",
                "ERPEvents",
                "ERPProjections",
                "ERPHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
