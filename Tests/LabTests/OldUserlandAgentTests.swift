import Foundation
import TestSupport
import XCTest

/// The static release agent on an old userland: inside a Debian 11 minbase root (glibc 2.31,
/// OpenSSL 1.1, no Swift), chrooted in a private mount namespace with /proc bind-mounted, it
/// applies and reverts a patch in a live process that runs on that root's own glibc. The
/// service and its fixed object are compiled in the root by its gcc 10, the patch is made by
/// the built `hotpatch create` on this machine, as a user with an old fleet would do.
final class OldUserlandAgentTests: XCTestCase {
    func testStaticReleaseAgentPatchesAndRevertsALiveProcessOnDebian11() throws {
        let userland = try OldUserland.prepared()
        let folder = try userland.makeFolder("hotpatch-old-agent")
        defer { userland.remove(folder) }
        let patch = try buildServiceAndPatch(in: folder, of: userland)
        // The agent, copied into the root: nothing of this machine is visible to it there.
        let agent = folder + "/hotpatch-agent"
        try FileManager.default.copyItem(
            atPath: try OldUserland.releaseAgent(), toPath: userland.outside(agent))
        let version = try userland.run([agent, "--version"])
        XCTAssertEqual(version.status, 0, "the static agent in Debian 11: \(version.stdout)\(version.stderr)")

        let log = ParityLog(path: userland.outside(folder + "/parity.log"))
        let service = try userland.spawn(
            [folder + "/parity/build/parity-v1", "--threads", "2", "--interval-ms", "250"], stdout: log.path,
            stderr: userland.outside(folder + "/parity.err"))
        defer { Subprocess.terminate(service) }
        _ = try log.waitForLine(skipping: 1, timeout: .seconds(60), description: "misclassification") {
            $0.misclassifiedDelta > 0
        }
        let maps = try String(contentsOfFile: "/proc/\(service)/maps", encoding: .utf8)
        XCTAssertTrue(
            maps.contains("libc-2.31.so"), "the service runs on Debian 11's glibc: \(maps.prefix(2000))")

        let options = [
            "--pid", "\(service)", "--max-pause", "2s", "--json", "--state-dir", folder + "/state",
        ]
        let apply = try userland.run([agent, "apply", patch] + options)
        XCTAssertEqual(apply.status, 0, "apply in Debian 11: \(apply.stdout)\(apply.stderr)")
        // The line after next covers only time after the apply: no misclassification there.
        let fixed = try log.waitForLine(
            skipping: try log.lines().count + 1, timeout: .seconds(60), description: "a fixed line")
        XCTAssertEqual(fixed.misclassifiedDelta, 0, "after apply: \(log.tail())")
        XCTAssertEqual(fixed.pid.rawValue, Int32(service), "never restarted")

        let revert = try userland.run([agent, "revert", "--id", "old-userland-fix"] + options)
        XCTAssertEqual(revert.status, 0, "revert in Debian 11: \(revert.stdout)\(revert.stderr)")
        _ = try log.waitForLine(
            skipping: try log.lines().count + 1, timeout: .seconds(60), description: "misclassification again"
        ) { $0.misclassifiedDelta > 0 }
    }

    /// Builds the parity service and its fixed object inside the root (its gcc 10, its glibc
    /// 2.31) in `folder/parity`, and makes the patch here with the built `hotpatch create`, as
    /// a user with an old fleet would; returns the patch's path inside the root.
    private func buildServiceAndPatch(in folder: String, of userland: OldUserland) throws -> String {
        try copyParitySources(to: userland.outside(folder + "/parity"))
        let make = try userland.run([
            "make", "-s", "-C", folder + "/parity", "build/parity-v1", "build/classify_v2.o",
        ])
        XCTAssertEqual(make.status, 0, "make in the Debian 11 root: \(make.stdout)\(make.stderr)")
        let libc = try userland.run(["/lib/x86_64-linux-gnu/libc.so.6"])
        XCTAssertTrue(libc.stdout.contains("version 2.31"), "the root's glibc: \(libc.stdout.prefix(200))")
        let patch = folder + "/parity-fix.hotpatch"
        let created = try Subprocess.run(
            try productsDirectory() + "/hotpatch",
            [
                "create", "--target", userland.outside(folder + "/parity/build/parity-v1"), "--object",
                userland.outside(folder + "/parity/build/classify_v2.o"), "--id", "old-userland-fix", "-o",
                userland.outside(patch),
            ])
        XCTAssertEqual(created.status, 0, "hotpatch create: \(created.stdout)\(created.stderr)")
        return patch
    }

    /// The control: the agent of the debug build (dynamic, like the release agent before it was
    /// made static) does not even start in the root, so the test above proves what it claims.
    func testDynamicAgentDoesNotStartOnDebian11() throws {
        let userland = try OldUserland.prepared()
        let folder = try userland.makeFolder("hotpatch-old-dynamic")
        defer { userland.remove(folder) }
        try FileManager.default.copyItem(
            atPath: try productsDirectory() + "/hotpatch-agent",
            toPath: userland.outside(folder + "/hotpatch-agent"))
        let version = try userland.run([folder + "/hotpatch-agent", "--version"])
        XCTAssertNotEqual(version.status, 0, version.stdout)
        XCTAssertTrue(
            version.stderr.contains("error while loading shared libraries"),
            "expected a loader error: \(version.stderr)")
    }

    /// The parity example's sources and Makefile (not its build folder), copied to `destination`.
    private func copyParitySources(to destination: String) throws {
        let source = RepositoryPaths.path("examples/parity")
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source)
        where name == "Makefile" || name.hasSuffix(".c") || name.hasSuffix(".h") {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: destination + "/" + name)
        }
    }

    /// The build products folder (holding `hotpatch` and the debug `hotpatch-agent`).
    private func productsDirectory() throws -> String {
        var url = Bundle(for: OldUserlandAgentTests.self).bundleURL
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.path + "/hotpatch") { return url.path }
            url.deleteLastPathComponent()
        }
        throw XCTSkip("hotpatch is not built next to the tests; run swift build first")
    }
}
