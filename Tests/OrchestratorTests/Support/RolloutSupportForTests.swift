import Foundation
import Shared
import TestSupport
import XCTest

/// What the rollout integration tests share: the built `hotpatch` and `hotpatch-agent`, the
/// parity v1 -> v2 patch, and running the coordinator as a user does (a separate process, so
/// it can be SIGKILLed mid-rollout).
enum RolloutFixture {
    /// The coordinator binary.
    static var hotpatch: String { BuiltProducts.hotpatch }
    /// The agent binary beside it (what `rollout` pushes by default).
    static var agent: String { BuiltProducts.agent }

    /// Fails the test unless both binaries are built (`swift build --build-tests` builds them).
    static func requireBinaries() throws { try BuiltProducts.require() }

    /// The parity fix as a patch file in `directory`, made by `hotpatch create` as a user makes it
    /// (is_even from classify_v2.o over parity-v1); a failing create fails the test with its output.
    static func parityPatch(in directory: String, id: String = "parity-fix") throws -> String {
        let build = RepositoryPaths.path("examples/parity/build")
        let output = directory + "/\(id).hotpatch"
        let created = try Subprocess.run(
            hotpatch,
            [
                "create", "--target", build + "/parity-v1", "--object", build + "/classify_v2.o", "--id", id,
                "-o",
                output,
            ])
        guard created.status == 0 else {
            throw RolloutFixtureError(
                description:
                    "hotpatch create of the parity fix exited \(created.status):\n\(created.stdout)\(created.stderr)"
            )
        }
        return output
    }

    /// Runs `hotpatch ARGS` to completion.
    /// These tests are about waves, checks and journals, not pause budgets: the agents are debug
    /// builds on a shared 2-core machine, where stopping a process can take tens of
    /// milliseconds, so the agents get a generous budget (pauses are measured in bench/).
    static let relaxedPause = ["--max-pause", "2s"]

    static func run(_ arguments: [String]) throws -> ProgramResult {
        try Subprocess.run(hotpatch, arguments)
    }
}


/// A fixture step that failed (create refused the parity fix), with the tool's output.
struct RolloutFixtureError: Error, CustomStringConvertible {
    /// What failed and the output that says why.
    let description: String
}
