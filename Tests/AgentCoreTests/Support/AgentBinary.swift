import Foundation
import Shared
import TestSupport

/// Runs the real `hotpatch-agent` binary, found next to the test bundle in the build products
/// directory (whatever the scratch path), built on demand when a filtered `swift test` did not,
/// or the one named by the environment variable HOTPATCH_AGENT.
enum AgentBinary {
    /// The agent's path.
    static let path: String = {
        // HOTPATCH_AGENT runs the tests against another build, e.g. the static release binary.
        if let chosen = ProcessInfo.processInfo.environment["HOTPATCH_AGENT"], !chosen.isEmpty {
            return chosen
        }
        return builtProduct("hotpatch-agent")
    }()

    /// The path of `product` in the build products folder, built into the same scratch path first
    /// when a filtered `swift test` did not build it.
    static func builtProduct(_ product: String) -> String {
        let products = BuiltProducts.directory
        let candidate = products + "/" + product
        if !FileManager.default.isExecutableFile(atPath: candidate) {
            // <scratch>/<triple>/<config>: build the product into the same scratch path.
            let scratch = URL(fileURLWithPath: products).deletingLastPathComponent()
                .deletingLastPathComponent().path
            let config = URL(fileURLWithPath: products).lastPathComponent
            _ = try? Subprocess.run(
                "/usr/bin/env",
                ["swift", "build", "--scratch-path", scratch, "-c", config, "--product", product],
                currentDirectory: RepositoryPaths.root.path)
        }
        return candidate
    }

    /// The result of one agent run.
    struct Run {
        /// Exit status.
        let status: Int32
        /// The decoded JSON report (runs use --json).
        let report: AgentReport?
        /// stdout and stderr, for failure messages.
        let output: String
    }

    /// Runs the agent with `--json` and a private state directory; decodes the report.
    /// `apply` and `revert` without their own `--max-pause` get a generous one: these tests prove
    /// what the agent does, on a debug build and a shared 2-core machine where one stop can take
    /// tens of milliseconds; pauses are measured in bench/, and the budget has its own test.
    static func run(_ arguments: [String], stateDirectory: String, asUser user: Int? = nil) throws -> Run {
        let relaxedPause =
            ["apply", "revert"].contains(arguments.first ?? "") && !arguments.contains("--max-pause")
            ? ["--max-pause", "2s"] : []
        var argv = arguments + relaxedPause + ["--json", "--state-dir", stateDirectory]
        var executable = path
        if let user {
            argv = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", path] + argv
            executable = "/usr/bin/setpriv"
        }
        let result = try Subprocess.run(executable, argv)
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8))
        return Run(status: result.status, report: report, output: result.stdout + result.stderr)
    }
}
