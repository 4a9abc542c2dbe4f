import Shared
import XCTest

@testable import SSH

/// What the upload's one-round-trip `prepare` script reports, parsed (pure), and the host
/// checks made from it before anything is sent: architecture, kernel, folder, hash tool.
final class UploadSurveyTests: XCTestCase {
    func testAFolderPickedAfterANoexecOneAndItsFiles() {
        let survey = UploadScript.Survey(
            """
            arch x86_64
            kernel 5.10.0-28-amd64
            uid 1000
            hash shasum
            dir /var/tmp/hotpatch-alice
            stat 1000 700 directory
            skip noexec /var/tmp/hotpatch-alice
            dir /home/alice/.cache/hotpatch
            stat 1000 700 directory
            use /home/alice/.cache/hotpatch
            gzip no
            free 123456789
            have 0
            need 1
            """)
        XCTAssertNil(survey.hostProblem)
        XCTAssertEqual(survey.uid, "1000")
        XCTAssertEqual(survey.hashTool, "shasum")
        XCTAssertEqual(survey.chosen, "/home/alice/.cache/hotpatch")
        XCTAssertEqual(survey.skipped.map(\.reason), ["noexec"])
        XCTAssertEqual(survey.folders.map(\.status), ["1000 700 directory", "1000 700 directory"])
        XCTAssertEqual(survey.freeBytes, 123_456_789)
        XCTAssertEqual(survey.present, [0])
        XCTAssertFalse(survey.hasGzip)
    }

    func testAFolderWithSpacesInItsTypeAndPathKeepsBoth() {
        let survey = UploadScript.Survey(
            "arch x86_64\nkernel 6.1\nuid 0\nhash sha256sum\ndir /tmp/my dir\nstat 0 777 symbolic link\n")
        XCTAssertNil(survey.chosen)
        XCTAssertEqual(survey.folders.first?.path, "/tmp/my dir")
        XCTAssertEqual(survey.folders.first?.status, "0 777 symbolic link")
    }

    func testHostsTheAgentCannotRunOn() {
        let cases: [(String, String, String?)] = [
            ("x86_64", "6.8.0-45-generic", nil),
            ("amd64", "3.2.0", nil),
            ("x86_64", "3.10.0-1160.el7.x86_64", nil),
            ("aarch64", "6.1.0", "the agent is built for x86-64 only (host is aarch64)"),
            ("armv7l", "5.4", "the agent is built for x86-64 only (host is armv7l)"),
            ("x86_64", "3.1.0-legacy", "kernel 3.1.0-legacy is older than 3.2"),
            ("x86_64", "2.6.32-754.el6.x86_64", "kernel 2.6.32-754.el6.x86_64 is older than 3.2"),
            ("x86_64", "unknown", nil),  // cannot tell: the agent's own start says the rest
            ("unknown", "unknown", nil),  // no uname on the host
        ]
        for (machine, release, expected) in cases {
            let problem = UploadScript.Survey("arch \(machine)\nkernel \(release)\n").hostProblem
            if let expected {
                XCTAssertTrue(
                    problem?.contains(expected) == true, "\(machine) \(release): \(problem ?? "nil")")
            } else {
                XCTAssertNil(problem, "\(machine) \(release)")
            }
        }
    }

    func testKernelReleasesCompareByMajorAndMinor() {
        XCTAssertEqual(KernelRelease("3.10.0-1160")?.description, "3.10")
        XCTAssertTrue(KernelRelease("3.1.9")! < KernelRelease.minimum)
        XCTAssertFalse(KernelRelease("3.10")! < KernelRelease.minimum)
        XCTAssertNil(KernelRelease("v6"))
    }
}
