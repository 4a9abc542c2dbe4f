import Crypto
import Foundation
import XCTest

@testable import SSH

/// The upload's `finalize` script, run by the real `sh` on real files as a host runs it: a gzip
/// copy is checked against the SHA-256 of what was sent before it is expanded, a plain file
/// against its own, and a copy that does not match leaves nothing behind.
final class UploadFinalizeTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "finalize-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testAGzipCopyIsCheckedAsSentThenExpandedRenamedAndRecorded() throws {
        let content = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
        let packed = try gzip(content)
        try packed.write(to: URL(fileURLWithPath: folder + "/.agent.part.gz"))
        let run = try finalize(
            [folder + "/.agent.part", "gz", hex(content), "755", folder + "/agent", hex(packed)])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/agent"), content)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/.agent.part.gz"))
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/agent")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o755)
        let record = try String(contentsOfFile: folder + "/.agent.verified", encoding: .utf8)
        XCTAssertTrue(record.hasPrefix(folder + "/agent " + hex(content) + " 755 "), record)
    }

    func testAGzipCopyThatArrivedDifferentIsRefusedBeforeItIsExpanded() throws {
        let content = Data(repeating: 0x41, count: 100_000)
        var packed = try gzip(content)
        let expected = hex(packed)
        packed[packed.count / 2] ^= 0xff
        try packed.write(to: URL(fileURLWithPath: folder + "/.agent.part.gz"))
        let run = try finalize([folder + "/.agent.part", "gz", hex(content), "755", folder + "/agent", expected])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.output.hasPrefix("fail 0 hash " + hex(packed)), run.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "nothing left behind")
    }

    func testAPlainFileIsCheckedAgainstItsOwnHash() throws {
        let content = Data("patch bytes".utf8)
        try content.write(to: URL(fileURLWithPath: folder + "/.p.part"))
        let bad = try finalize([folder + "/.p.part", "raw", hex(Data("other".utf8)), "644", folder + "/p", "-"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.output.hasPrefix("fail 0 hash " + hex(content)), bad.output)
        try content.write(to: URL(fileURLWithPath: folder + "/.p.part"))
        let good = try finalize([folder + "/.p.part", "raw", hex(content), "644", folder + "/p", "-"])
        XCTAssertEqual(good.status, 0, good.output)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/p"), content)
    }

    // MARK: helpers

    private func finalize(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run("/bin/sh", ["-c", UploadScript.finalize, "sh", "sha256sum"] + arguments)
    }

    private func gzip(_ data: Data) throws -> Data {
        let path = folder + "/input"
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-6", "-c", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let packed = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return packed
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}
