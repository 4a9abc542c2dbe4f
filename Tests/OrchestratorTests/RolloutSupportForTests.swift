import Foundation
import Shared
import TestSupport
import XCTest

/// What the rollout integration tests share: the built `hotpatch` and `hotpatch-agent`, the
/// parity v1 -> v2 patch, and running the coordinator as a user does (a separate process, so
/// it can be SIGKILLed mid-rollout).
enum RolloutFixture {
    /// The folder of the built products (`.build*/debug`), found from the test bundle.
    static var productsDirectory: String {
        var url = Bundle(for: BundleMarker.self).bundleURL
        while url.path != "/"
            && !FileManager.default.fileExists(atPath: url.appendingPathComponent("hotpatch").path)
        {
            url.deleteLastPathComponent()
        }
        return url.path
    }

    /// The coordinator binary.
    static var hotpatch: String { productsDirectory + "/hotpatch" }
    /// The agent binary beside it (what `rollout` pushes by default).
    static var agent: String { productsDirectory + "/hotpatch-agent" }

    /// Skips the test unless both binaries are built (`swift build` builds them).
    static func requireBinaries() throws {
        for binary in [hotpatch, agent] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw XCTSkip("\(binary) is not built; run swift build first")
        }
    }

    /// The parity fix as a patch file in `directory`: `hotpatch create` when it exists, else
    /// Shared's PatchBuilder directly (is_even from classify_v2.o over parity-v1).
    static func parityPatch(in directory: String, id: String = "parity-fix") throws -> String {
        let build = RepositoryPaths.path("examples/parity/build")
        let target = build + "/parity-v1"
        let object = build + "/classify_v2.o"
        let output = directory + "/\(id).hotpatch"
        let created = try Subprocess.run(
            hotpatch, ["create", "--target", target, "--object", object, "--id", id, "-o", output])
        if created.status == 0 { return output }
        let targetELF = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: target))))
        let symbols = try targetELF.symbolTable() ?? []
        guard let old = symbols.first(where: { $0.name == "is_even" && $0.isDefined }),
            let buildID = try targetELF.buildID()
        else { throw XCTSkip("\(target) has no is_even or build-id; run make -C examples/parity") }
        let metadata = PatchMetadata(
            kind: .relocatable, id: PatchID(id)!, description: "is_even: classify odd numbers correctly",
            targetPathHint: target, targetBuildID: buildID)
        let objectELF = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: object))))
        let bytes = try PatchBuilder(objects: [objectELF], objectNames: [object]).build(
            metadata: metadata,
            replacing: [
                PatchBuilder.Replacement(
                    newSymbol: "is_even", oldAddress: ModuleAddress(old.value), oldSize: old.size,
                    oldName: "is_even")
            ],
            bind: { _, _ in nil })
        try Data(bytes).write(to: URL(fileURLWithPath: output))
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

private final class BundleMarker {}
