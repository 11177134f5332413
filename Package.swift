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

/// What every business module builds on: the kernel and the platform.
let moduleDependencies: [Target.Dependency] = [
    "ERPKernel", "ERPStore", "ERPEvents", "ERPJobs", "ERPHTTP", "ERPPlatform",
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
]

/// The modules of this build; the `erp` executable lists them once, in this order.
let modules: [Target.Dependency] = [
    "MasterData", "Inventory", "Purchasing", "Notifications", "Users", "Sales", "Finance",
]

/// What the test targets and their support build on.
let testDependencies: [Target.Dependency] = modules + [
    "ERPApp", "ERPKernel", "ERPJobs", "ERPStore", "ERPEvents", "ERPHTTP", "ERPPlatform",
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HummingbirdTesting", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOFoundationCompat", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "Crypto", package: "swift-crypto"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
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
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // The OpenAPI document's model; without its ExternalLoading trait, which builds slower.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        // Invoice print views.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
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
        // The shared kernel, pure: money, dates, validation, GSTIN/HSN/GST split.
        .target(
            name: "ERPKernel",
            swiftSettings: swiftSettings
        ),

        // ---- Platform: knows no business. ----

        // The database: configuration, connections, migrations, LISTEN, backoff, the
        // command context, errors, idempotency, row helpers, SQL-built documents.
        .target(
            name: "ERPStore",
            dependencies: [
                "ERPKernel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedSQLPlugin"]
        ),
        // The event log: event types, reader, listener, projector runtime, replay, verify
        // runtime, the event statistics projector.
        .target(
            name: "ERPEvents",
            dependencies: [
                "ERPStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The job engine: transactional enqueue, SKIP LOCKED claims, retries, history,
        // the runner and its schedules. No business jobs.
        .target(
            name: "ERPJobs",
            dependencies: [
                "ERPStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The HTTP kit: request context, problem+json, the command runner, body decoding,
        // query parameters, paging, routes with permissions, health, connection limits.
        .target(
            name: "ERPHTTP",
            dependencies: [
                "ERPKernel",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The one protocol a business module implements (ERPModule), and the fold over
        // a build's modules.
        .target(
            name: "ERPPlatform",
            dependencies: [
                "ERPEvents",
                "ERPJobs",
                "ERPHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // ---- Modules: one per business domain. MasterData ← Inventory ← Purchasing, Sales ← Finance ← Notifications. ----

        .target(
            name: "MasterData",
            dependencies: moduleDependencies,
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Inventory",
            dependencies: moduleDependencies + ["MasterData"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Purchasing",
            dependencies: moduleDependencies + ["MasterData", "Inventory"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Sales",
            dependencies: moduleDependencies + [
                "MasterData", "Inventory", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Finance",
            dependencies: moduleDependencies + ["Inventory", "Purchasing", "Sales"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Notifications",
            dependencies: moduleDependencies + [
                "MasterData", "Inventory", "Sales", "Finance",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Users",
            dependencies: moduleDependencies + [
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        // The list of this build's modules, which every entry point folds over.
        .target(
            name: "ERPApp",
            dependencies: modules + [
                "ERPHTTP", "ERPPlatform",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Terminal output shared by the command-line tools.
        .target(
            name: "CommandSupport",
            swiftSettings: swiftSettings
        ),
        // The `erp` command line: lists the modules once and wires them together, nothing else.
        .executableTarget(
            name: "erp",
            dependencies: modules + [
                "CommandSupport",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                "ERPHTTP",
                "ERPPlatform",
                "ERPApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // `make bench`: end-to-end latency and catch-up throughput of the event pipeline.
        .executableTarget(
            name: "erp-bench",
            dependencies: modules + [
                "ERPApp",
                "CommandSupport",
                "ERPKernel",
                "ERPStore",
                "ERPEvents",
                "ERPJobs",
                "ERPHTTP",
                "ERPPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Peers: the Python scripts and pins of `make bench-peers`.
            exclude: ["README.md", "Peers"],
            swiftSettings: swiftSettings
        ),
        // What every test target shares: a database per test, a live API, a shop, processes.
        .target(
            name: "ERPTestSupport",
            dependencies: testDependencies,
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        // The kernel and the platform: event log, projectors, replays, jobs, migrations,
        // HTTP hardening, processes and faults.
        .testTarget(
            name: "PlatformTests",
            dependencies: testDependencies + ["ERPTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MasterDataTests", dependencies: testDependencies + ["ERPTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "InventoryTests", dependencies: testDependencies + ["ERPTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PurchasingTests", dependencies: testDependencies + ["ERPTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SalesTests", dependencies: testDependencies + ["ERPTestSupport"], exclude: ["Golden"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FinanceTests", dependencies: testDependencies + ["ERPTestSupport"], exclude: ["Golden"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NotificationsTests", dependencies: testDependencies + ["ERPTestSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UsersTests",
            dependencies: testDependencies + [
                "ERPTestSupport", .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // The whole build: the contracts between modules, the README's examples, the fuzz.
        .testTarget(name: "AppTests", dependencies: testDependencies + ["ERPTestSupport"], swiftSettings: swiftSettings),
    ]
)
