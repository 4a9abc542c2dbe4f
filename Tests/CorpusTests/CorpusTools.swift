import Foundation
import TestSupport

/// The built `hotpatch` and `hotpatch-agent`, run as a user runs them (separate processes).
struct CorpusTools: Sendable {
    /// The coordinator.
    let hotpatch: String
    /// The agent.
    let agent: String

    /// The binaries in the build products folder holding this test bundle (`.build/debug`), or
    /// the ones named by HOTPATCH_CREATE_BINARY and HOTPATCH_AGENT (another build, e.g. release).
    static func built() throws -> CorpusTools {
        let environment = ProcessInfo.processInfo.environment
        let tools = CorpusTools(
            hotpatch: environment["HOTPATCH_CREATE_BINARY"].flatMap { $0.isEmpty ? nil : $0 } ?? BuiltProducts.hotpatch,
            agent: environment["HOTPATCH_AGENT"].flatMap { $0.isEmpty ? nil : $0 } ?? BuiltProducts.agent)
        for binary in [tools.hotpatch, tools.agent]
        where !FileManager.default.isExecutableFile(atPath: binary) {
            throw CorpusCaseError(description: "\(binary) is not built; run swift build --build-tests first")
        }
        return tools
    }

    /// `hotpatch create --target T --object O... --id ID -o OUTPUT`, no `--function`: the user's way.
    func create(_ build: CorpusBuild, id: String, output: String) throws -> ProgramResult {
        try Subprocess.run(
            hotpatch,
            ["create", "--target", build.target] + build.objects.flatMap { ["--object", $0] } + [
                "--id", id, "-o", output,
            ])
    }

    /// `hotpatch-agent apply PATCH --pid PID` with a private state directory.
    /// A debug agent on a busy 2-core machine can take tens of milliseconds to stop a process, so
    /// the pause budget is relaxed as in the rollout tests (pauses are measured in bench/); the
    /// safe-point search gets `timeout`.
    func apply(_ patch: String, pid: pid_t, stateDirectory: String, timeout: String) throws -> ProgramResult {
        try Subprocess.run(
            agent,
            [
                "apply", patch, "--pid", "\(pid)", "--max-pause", "2s", "--timeout", timeout, "--state-dir",
                stateDirectory,
            ])
    }

    /// `hotpatch-agent revert --id ID --pid PID` with the same state directory.
    func revert(id: String, pid: pid_t, stateDirectory: String) throws -> ProgramResult {
        try Subprocess.run(
            agent,
            [
                "revert", "--id", id, "--pid", "\(pid)", "--max-pause", "2s", "--timeout",
                CorpusRunner.applyTimeout,
                "--state-dir", stateDirectory,
            ])
    }

    /// The function names of create's `included: NAME (reason)` lines.
    static func includedNames(_ output: String) -> Set<String> {
        Set(
            output.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("included: ") else { return nil }
                let rest = line.dropFirst("included: ".count)
                let end = rest.range(of: " (")?.lowerBound ?? rest.endIndex
                return String(rest[..<end])
            })
    }
}

extension ProgramResult {
    /// stdout and stderr together, for failure messages and refusal checks.
    var output: String { stdout + stderr }
}
