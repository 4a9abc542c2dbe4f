import Foundation
import TestSupport
import XCTest

/// A rollout and a rollback on servers under load: every lab host runs Debian's Apache httpd
/// (mpm_event, 16 threads) next to the parity service while `examples/apr-fix/loadgen.py` keeps
/// keep-alive connections busy. The rollout patches the parity service and libapr's
/// `apr_time_now` inside httpd (on its request path); the replacement appends its pid to a marker
/// file every 4096 calls, which proves the new code is what runs. Not one request may fail.
/// Latencies are printed per window (before, during the rollout, patched, during the rollback,
/// after), never asserted: the machine is shared.
final class LoadRolloutTests: XCTestCase {
    private static let libapr = "/usr/lib/x86_64-linux-gnu/libapr-1.so.0"
    /// Where the replacement counts its calls, as a lab host sees it (its private /var/tmp).
    private static let markerName = "hotpatch-apr-fix.calls"

    /// The two patches the rollout sends, made as a user makes them.
    private struct Patches {
        let apr: String
        let parity: String
    }

    func testRolloutAndRollbackUnderHTTPLoadFailNoRequest() throws {
        try BuiltProducts.require()
        for needed in ["/usr/sbin/apache2", Self.libapr, "/usr/bin/python3"]
        where !FileManager.default.fileExists(atPath: needed) {
            XCTFail("\(needed) is missing; run scripts/install-deps (it installs apache2)")
            return
        }
        let work = NSTemporaryDirectory() + "load-rollout-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let patches = try makePatches(in: work)
        let name = "LoadRolloutTests"
        let httpPort = LabFleet.port(for: name) - 4000  // below every lab's sshd ports (22000+)
        try LabFleet.with(hosts: 2, name: name) { lab in
            let fleet = [
                "-i", lab.inventoryPath, "--known-hosts", lab.knownHostsPath, "--journal-dir",
                work + "/journal",
            ]
            let urls = try startHTTPServers(lab, port: httpPort)
            XCTAssertEqual(markerLines(lab), 0, "the original apr_time_now writes no marker")
            let records = work + "/requests.txt"
            let generator = try Subprocess.spawn(
                "/usr/bin/python3", [Self.example + "/loadgen.py", "--out", records, "--connections", "4"] + urls,
                stdout: work + "/loadgen.out", stderr: work + "/loadgen.err")
            var generatorRunning = true
            defer { if generatorRunning { Subprocess.terminate(generator) } }
            var marks: [(String, Double)] = [("before", Date().timeIntervalSince1970)]
            Thread.sleep(forTimeInterval: 4)
            marks.append(("rollout", Date().timeIntervalSince1970))
            try run("rollout", [patches.parity, patches.apr], fleet: fleet)
            marks.append(("patched", Date().timeIntervalSince1970))
            Thread.sleep(forTimeInterval: 4)
            try checkPatchedEverywhere(lab, fleet: fleet)
            let callsPatched = markerLines(lab)
            marks.append(("rollback", Date().timeIntervalSince1970))
            try run("rollback", [patches.apr, patches.parity], fleet: fleet)
            marks.append(("after", Date().timeIntervalSince1970))
            let callsAtRollback = markerLines(lab)
            Thread.sleep(forTimeInterval: 4)
            marks.append(("end", Date().timeIntervalSince1970))
            // Back on the original: however much load ran since, the marker no longer grows.
            XCTAssertEqual(markerLines(lab), callsAtRollback, "the replaced apr_time_now still runs")
            Subprocess.terminate(generator)
            generatorRunning = false
            let requests = try Self.readRequests(records)
            print(
                "load: \(requests.count) requests over 2 hosts x 4 connections; marker lines (every 4096th "
                    + "call of the new apr_time_now): \(callsPatched) while patched, \(callsAtRollback) at rollback"
            )
            checkNoRequestFailed(requests, windows: marks)
        }
    }

    private static let example = RepositoryPaths.path("examples/apr-fix")

    /// libapr's `apr_time_now` fix and the parity fix, each by `hotpatch create --object`.
    private func makePatches(in work: String) throws -> Patches {
        try expectSuccess("/usr/bin/make", ["-s", "-C", Self.example])
        let patches = Patches(apr: work + "/apr-time-now.hotpatch", parity: work + "/parity-fix.hotpatch")
        try expectSuccess(
            BuiltProducts.hotpatch,
            [
                "create", "--target", Self.libapr, "--object", Self.example + "/build/apr_time_now.o",
                "--id", "apr-time-now", "--description", "apr_time_now via clock_gettime, counted",
                "-o", patches.apr,
            ])
        let parity = RepositoryPaths.path("examples/parity/build")
        try expectSuccess(
            BuiltProducts.hotpatch,
            [
                "create", "--target", parity + "/parity-v1", "--object", parity + "/classify_v2.o",
                "--id", "parity-fix", "-o", patches.parity,
            ])
        return patches
    }

    /// httpd on every lab host; the URLs the load generator requests.
    private func startHTTPServers(_ lab: LabFleet, port: Int) throws -> [String] {
        var urls: [String] = []
        for host in lab.hosts {
            let started = try lab.run(
                "\(Self.example)/start-httpd /var/tmp/hotpatch-httpd \(host.address) \(port)", on: host)
            XCTAssertEqual(started.status, 0, "\(host): \(started.stdout)\(started.stderr)")
            urls.append("http://\(host.address):\(port)/index.html")
        }
        return urls
    }

    /// `hotpatch rollout` or `rollback` of each patch in turn; each must succeed.
    private func run(_ command: String, _ patches: [String], fleet: [String]) throws {
        for patch in patches {
            let result = try Subprocess.run(BuiltProducts.hotpatch, [command, patch] + fleet + ["--max-pause", "2s"])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        }
    }

    /// Both patches are in place on every host (httpd parent and children, and parity), and the new
    /// apr_time_now ran under load on every host: its marker grew.
    private func checkPatchedEverywhere(_ lab: LabFleet, fleet: [String]) throws {
        let status = try Subprocess.run(BuiltProducts.hotpatch, ["status", "--json"] + fleet.prefix(4))
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        for line in status.stdout.split(separator: "\n") {
            let probe = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let inPlace = probe["patchesInPlace"] as? [String: Any] ?? [:]
            XCTAssertNotNil(inPlace["apr-time-now"], "\(line)")
            XCTAssertNotNil(inPlace["parity-fix"], "\(line)")
        }
        for host in lab.hosts {
            XCTAssertGreaterThan(markerLines(lab, only: host), 0, "\(host): the new apr_time_now never ran")
        }
    }

    /// Every window (before, rollout, patched, rollback, after) served requests and failed none;
    /// latencies are printed, never asserted.
    private func checkNoRequestFailed(_ requests: [Request], windows marks: [(String, Double)]) {
        for (index, window) in marks.dropLast().enumerated() {
            let from = window.1
            let to = marks[index + 1].1
            let inWindow = requests.filter { $0.start >= from && $0.start < to }
            let failed = inWindow.filter { !$0.ok }.count
            print("load: \(Self.describe(window.0, inWindow, seconds: to - from))")
            XCTAssertEqual(failed, 0, "\(failed) requests failed in the \(window.0) window")
            XCTAssertGreaterThan(inWindow.count, 0, "no request was served in the \(window.0) window")
        }
        XCTAssertEqual(requests.filter { !$0.ok }.count, 0, "failed requests")
    }

    /// Marker lines (one per 4096 calls of the new `apr_time_now`) on every host, or one host.
    private func markerLines(_ lab: LabFleet, only: LabHost? = nil) -> Int {
        (only.map { [$0] } ?? lab.hosts).reduce(0) { total, host in
            let text =
                (try? String(contentsOfFile: host.privateVarTmp + "/" + Self.markerName, encoding: .utf8))
                ?? ""
            return total + text.split(separator: "\n").count
        }
    }

    /// A step of the test that failed, with what it printed.
    private struct LoadTestFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// One request of the load generator.
    private struct Request {
        let start: Double
        let latencyMicroseconds: Int
        let ok: Bool
    }

    private static func readRequests(_ path: String) throws -> [Request] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, let start = Double(fields[0]), let latency = Int(fields[1]) else {
                return nil
            }
            return Request(start: start / 1e6, latencyMicroseconds: latency, ok: fields[2] == "1")
        }
    }

    /// "rollout: 812 requests in 1.9 s, 0 failed, p50 0.41 ms, p99 3.20 ms, max 9.80 ms".
    private static func describe(_ name: String, _ requests: [Request], seconds: Double) -> String {
        let sorted = requests.map(\.latencyMicroseconds).sorted()
        func milliseconds(_ value: Int?) -> String {
            value.map { String(format: "%.2f", Double($0) / 1000) + " ms" } ?? "-"
        }
        let p50 = sorted.isEmpty ? nil : sorted[sorted.count / 2]
        let p99 = sorted.isEmpty ? nil : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        return "\(name): \(requests.count) requests in \(String(format: "%.1f", seconds)) s, "
            + "\(requests.filter { !$0.ok }.count) failed, p50 \(milliseconds(p50)), p99 \(milliseconds(p99)), "
            + "max \(milliseconds(sorted.last))"
    }

    private func expectSuccess(_ executable: String, _ arguments: [String]) throws {
        let result = try Subprocess.run(executable, arguments)
        guard result.status == 0 else {
            throw LoadTestFailure(
                description:
                    "\(executable) \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
        }
    }
}
