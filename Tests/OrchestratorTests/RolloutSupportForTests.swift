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
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("hotpatch").path) {
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
        let created = try Subprocess.run(hotpatch, ["create", "--target", target, "--object", object, "--id", id, "-o", output])
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
                    newSymbol: "is_even", oldAddress: ModuleAddress(old.value), oldSize: old.size, oldName: "is_even")
            ],
            bind: { _, _ in nil })
        try Data(bytes).write(to: URL(fileURLWithPath: output))
        return output
    }

    /// Runs `hotpatch ARGS` to completion.
    static func run(_ arguments: [String]) throws -> ProgramResult {
        try Subprocess.run(hotpatch, arguments)
    }
}

private final class BundleMarker {}

/// A lab fleet (`scripts/lab`) for the rollout tests.
///
/// Why not `LabFleet`: Foundation's `Process` on Linux learns that a child exited when a
/// socket it hands to the child is closed, and every process the child starts inherits that
/// socket. `scripts/lab up` leaves sshd and init running, so `Process.waitUntilExit` on it
/// never returns (seen as a zombie `scripts/lab` and a hung test). This starts the script
/// through a shell that first closes every descriptor above stderr, then waits normally.
struct RolloutLab {
    /// One host of the lab.
    struct Host: Sendable {
        let name: String
        let address: String
        let port: Int
        /// `DIR/hosts/<name>`: the host's log, pid files and private folders.
        let directory: String

        var parityLogPath: String { directory + "/parity.log" }
        var privateVarLibHotpatch: String { directory + "/var-lib-hotpatch" }
        var privateVarTmp: String { directory + "/var-tmp" }
        var knownHostsPattern: String { port == 22 ? address : "[\(address)]:\(port)" }
    }

    let directory: String
    let hosts: [Host]
    var inventoryPath: String { directory + "/inventory.ini" }
    var knownHostsPath: String { directory + "/known_hosts" }

    /// Brings up `count` hosts in a directory and on a port of their own (from `name`).
    static func up(hosts count: Int, name: String) throws -> RolloutLab {
        let directory = NSTemporaryDirectory() + "hotpatch-rollout-labs/" + name
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let port = 24000 + Int(hash % 2000)
        let up = try script(["up", String(count), "--force", "--dir", directory, "--port", String(port)])
        guard up.status == 0 else { throw LabError(description: "scripts/lab up: \(up.stdout)\(up.stderr)") }
        let text = try String(contentsOfFile: directory + "/inventory.ini", encoding: .utf8)
        let hosts = text.split(separator: "\n").filter { $0.hasPrefix("lab-host-") }.map { line -> Host in
            let fields = line.split(separator: " ")
            var variables: [String: String] = [:]
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { variables[pair[0]] = pair[1] }
            }
            let name = String(fields[0])
            return Host(
                name: name, address: variables["ansible_host"] ?? name,
                port: Int(variables["ansible_port"] ?? "") ?? 22, directory: directory + "/hosts/" + name)
        }
        guard hosts.count == count else {
            _ = try? script(["down", "--dir", directory, "--purge"])
            throw LabError(description: "lab in \(directory): asked for \(count) hosts, got \(hosts.count)")
        }
        return RolloutLab(directory: directory, hosts: hosts)
    }

    /// Takes every host down and removes the directory.
    func down() {
        _ = try? Self.script(["down", "--dir", directory, "--purge"])
    }

    /// Kills `host`'s sshd listener (found by its exact command line, never by a broad name).
    func stopSSHD(of host: Host) throws {
        let wanted = "-f \(host.directory)/sshd_config"
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry), let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let commandLine = String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            if commandLine.contains("sshd -D"), commandLine.contains(wanted) { kill(pid, SIGKILL) }
        }
    }

    private static func script(_ arguments: [String]) throws -> ProgramResult {
        let closeInherited = "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done; "
        return try Subprocess.run(
            "/bin/bash", ["-c", closeInherited + "exec \"$0\" \"$@\"", RepositoryPaths.path("scripts/lab")] + arguments)
    }

    struct LabError: Error, CustomStringConvertible {
        let description: String
    }
}
