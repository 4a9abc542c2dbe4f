// swift-tools-version:6.0
import PackageDescription

// The agent and Shared stay Foundation-free (their only C library is libsodium): the agent is
// pushed to every host as one fully static executable (scripts/build-release) and must stay
// within its budget (scripts/lib/agent-budget: 8 MB stripped, 3 MB gzipped as sent).
let package = Package(
    name: "hotpatch",
    products: [
        .executable(name: "hotpatch", targets: ["Orchestrator"]),
        .executable(name: "hotpatch-agent", targets: ["Agent"]),
        .library(name: "Shared", targets: ["Shared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // The one way into ptrace, waitpid and friends for the agent (variadic and macro C).
        .target(name: "CPtrace"),
        // The static release agent's dlopen stub (linked in with -Xlinker --wrap=dlopen by
        // scripts/build-release): no shared library is ever loaded into the agent.
        .target(name: "CStaticAgent"),
        // libssh2 for the coordinator; its function-like macros get static inline wrappers.
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // libsodium, the one way into it: SHA-256 for both sides, Ed25519 verify for the agent.
        // The coordinator links libsodium.so; the release agent (scripts/build-release,
        // -static-executable) links libsodium.a, so hosts need nothing installed.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "Shared", dependencies: ["CSodium"]),
        // Ansible inventories (INI and YAML) and --limit patterns: a library of its own so the
        // coordinator and the inventory fuzz target (Fuzz/InventoryFuzz) compile the same code.
        .target(
            name: "FleetInventory",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Everything the agent does (apply, revert, status, preflight, the guardian, persist),
        // as a library under the thin `hotpatch-agent` command line (Sources/Agent).
        .target(
            name: "AgentCore",
            dependencies: ["Shared", "CPtrace", "CSodium"]
        ),
        .executableTarget(
            name: "Agent",
            dependencies: ["AgentCore", "Shared", "CStaticAgent"]
        ),
        // The patch compiler: `hotpatch create` (objects, two builds, or a fix in a source tree to a patch
        // file), `inspect` and `sign`; the commands in Orchestrator are thin layers over it.
        .target(
            name: "PatchCompiler",
            dependencies: ["Shared", "SourceBuild", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // hotpatch create --source: scratch trees, the project's own build through a compiler
        // wrapper, the objects a fix changed. Foundation, no C: runs builds, reads their logs.
        .target(name: "SourceBuild"),
        // Reaching hosts over SSH (libssh2): sessions, known_hosts, ~/.ssh/config, bastions,
        // uploads; `HostConnection` is what the fleet needs from a host.
        .target(
            name: "SSH",
            dependencies: [
                "Shared",
                "FleetInventory",
                "CLibSSH2",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Rolling a patch out to a fleet: waves and failure budget (pure policy), the engine,
        // the agent protocol, typed events, the journal and the reporters fed by the events.
        .target(name: "Fleet", dependencies: ["Shared", "FleetInventory", "SSH"]),
        // The `hotpatch` commands and their options, wired to the libraries above.
        .executableTarget(
            name: "Orchestrator",
            dependencies: [
                "Shared",
                "PatchCompiler",
                "FleetInventory",
                "SourceBuild",
                "SSH",
                "Fleet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers every test target shares: repo paths, running programs, building the parity
        // service, bringing the lab fleet up and down. Tests use Foundation freely.
        .target(name: "TestSupport", dependencies: ["Shared", "SSH"], path: "Tests/TestSupport"),
        .testTarget(name: "SharedTests", dependencies: ["Shared", "TestSupport"]),
        // AgentCore's tests; CLI/ tests the command-line reader of the Agent target, EndToEnd/ runs
        // the built hotpatch-agent.
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore", "Agent", "Shared", "TestSupport"]),
        .testTarget(name: "PatchCompilerTests", dependencies: ["PatchCompiler", "Shared", "TestSupport"]),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: ["Orchestrator", "Fleet", "SSH", "FleetInventory", "Shared", "TestSupport"]),
        .testTarget(name: "SourceBuildTests", dependencies: ["SourceBuild", "TestSupport"]),
        .testTarget(name: "FleetInventoryTests", dependencies: ["FleetInventory", "TestSupport"]),
        .testTarget(name: "SSHTests", dependencies: ["SSH", "FleetInventory", "Shared", "TestSupport"]),
        .testTarget(name: "FleetTests", dependencies: ["Fleet", "SSH", "FleetInventory", "Shared", "TestSupport"]),
        // libFuzzer targets (scripts/fuzz builds them with -sanitize=fuzzer,address -DFUZZING);
        // a plain build makes them replay tools: `PatchFuzz FILE...` runs saved inputs.
        .executableTarget(name: "PatchFuzz", dependencies: ["Shared"], path: "Fuzz/PatchFuzz"),
        .executableTarget(name: "InventoryFuzz", dependencies: ["FleetInventory"], path: "Fuzz/InventoryFuzz"),
        // The parity service and the lab fleet, tested as a user runs them.
        .testTarget(name: "LabTests", dependencies: ["TestSupport"]),
        // The compatibility corpus (Tests/Corpus/cases): small C and C++ programs and their fixes,
        // patched with the built hotpatch and hotpatch-agent as a user does.
        .testTarget(name: "CorpusTests", dependencies: ["TestSupport"]),
    ]
)
