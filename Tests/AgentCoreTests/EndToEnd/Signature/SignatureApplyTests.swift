import Foundation
import Shared
import TestSupport
import XCTest

/// The host's signing policy, proven on real processes: a host with trusted keys applies only
/// patches one of them signed, says which, and refuses everything else before touching a
/// process. Each agent runs in a private mount namespace with its own /etc/hotpatch.
final class SignatureApplyTests: XCTestCase {
    var fixture: CFixture!
    var state: String!
    var patch: String!
    var release: OpenSSLSigner!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-signatures")
        state = fixture.path("state")
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        patch = try fixture.servicePatch(id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        release = try OpenSSLSigner(directory: fixture.directory, name: "release", comment: "release@build")
    }

    override func tearDown() { fixture.remove() }

    /// Signed by a trusted key: applied, and the report names the key by id and comment.
    func testPatchSignedByATrustedKeyIsAppliedAndTheReportNamesTheKey() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        try release.sign(patch)

        let run = try TrustedHost(trusting: [release.publicKey]).agent(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)

        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(run.report?.processes.first?.outcome, .applied, run.output)
        XCTAssertEqual(run.report?.signature?.keyID, release.publicKey.keyID.hex)
        XCTAssertEqual(run.report?.signature?.comment, "release@build")
        XCTAssertEqual(run.report?.signature?.summary, "signed by \(release.publicKey.label)")
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" }, "the process runs the fix")
    }

    /// Unsigned on a host with trusted keys: refused (untrusted), the function's bytes are as
    /// they were, no patch memory, and the journal never recorded an apply.
    func testUnsignedPatchIsRefusedAndNothingIsTouched() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)

        let run = try TrustedHost(trusting: [release.publicKey]).agent(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)

        XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
        let message = run.report?.message ?? ""
        XCTAssertTrue(message.contains("unsigned") && message.contains("hotpatch sign"), message)
        try assertUntouched(program, before: before)
    }

    /// Signed by a key the host does not list: refused, naming the key id.
    func testPatchSignedByAnUnknownKeyIsRefused() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)
        let stranger = try OpenSSLSigner(directory: fixture.directory, name: "stranger", comment: "x@y")
        try stranger.sign(patch)

        let run = try TrustedHost(trusting: [release.publicKey]).agent(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)

        XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, run.output)
        let message = run.report?.message ?? ""
        XCTAssertTrue(message.contains(String(stranger.publicKey.keyID.hex.prefix(16))), message)
        XCTAssertTrue(message.contains("not in /etc/hotpatch/trusted-keys"), message)
        try assertUntouched(program, before: before)
    }

    /// One byte changed after signing, in the code, the metadata, a section header or the
    /// signature itself: refused by the real agent, nothing touched. (Every other byte is
    /// covered in-process by `SignatureTamperTests`.)
    func testTamperedPatchIsRefused() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let before = try computeBytes(program)
        try release.sign(patch)
        let signed = try fixture.bytes("compute-fix.hotpatch")
        let elf = try ELFFile(bytes: signed)
        let text = try XCTUnwrap(elf.section(named: ".text.compute"))
        let metadata = try XCTUnwrap(elf.section(named: ".hotpatch"))
        let signature = try XCTUnwrap(elf.section(named: PatchSignature.sectionName))
        let places: [(String, Int)] = [
            ("code", Int(text.offset)),
            ("metadata", Int(metadata.offset + metadata.size) - 1),
            // sh_addralign of .hotpatch in the section header table: a header, not content.
            ("section header", Int(elf.header.sectionHeaderOffset) + metadata.index * 64 + 48),
            ("signature", Int(signature.offset) + 40),
        ]
        for (what, offset) in places {
            var bytes = signed
            bytes[offset] ^= 0x01
            let tampered = fixture.path("tampered-\(what.replacingOccurrences(of: " ", with: "-")).hotpatch")
            try Data(bytes).write(to: URL(fileURLWithPath: tampered))

            let run = try TrustedHost(trusting: [release.publicKey]).agent(
                ["apply", tampered, "--pid", "\(program.pid)"], stateDirectory: state)

            XCTAssertEqual(run.status, AgentExitCode.untrusted.rawValue, "\(what): \(run.output)")
            XCTAssertTrue(
                run.report?.message?.contains("changed after signing") == true, "\(what): \(run.output)")
        }
        try assertUntouched(program, before: before)
    }

    /// Re-signing does not change the patch's identity: a patch applied unsigned (no policy),
    /// then signed and applied on the now-trusting host, counts as already applied.
    func testReSignedPatchCountsAsAlreadyApplied() throws {
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" })
        let first = try TrustedHost(trusting: nil).agent(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertEqual(first.report?.signature?.summary, "unsigned; no trusted keys configured")

        try release.sign(patch)
        let again = try TrustedHost(trusting: [release.publicKey]).agent(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: state)

        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(again.report?.processes.first?.outcome, .alreadyApplied, again.output)
    }

    func computeBytes(_ program: TargetProgram) throws -> [UInt8] {
        let elf = try ELFFile(bytes: try fixture.bytes("service"))
        let symbol = try XCTUnwrap(try elf.symbolTable()?.first { $0.name == "compute" })
        let base = try XCTUnwrap(ProcessMemory.loadBase(program.pid, path: fixture.path("service")))
        return try XCTUnwrap(ProcessMemory.read(program.pid, base + symbol.value, count: Int(symbol.size)))
    }

    /// The process as it was: same code, no patch memory, no apply in the journal, old answer.
    func assertUntouched(
        _ program: TargetProgram, before: [UInt8], file: StaticString = #filePath, line: UInt = #line
    )
        throws
    {
        XCTAssertEqual(try computeBytes(program), before, "the function is unchanged", file: file, line: line)
        let status = try AgentBinary.run(["status", "--pid", "\(program.pid)"], stateDirectory: state)
        XCTAssertEqual(status.report?.processes.first?.patches, [], "no patch memory", file: file, line: line)
        let journal = (try? String(contentsOfFile: state + "/journal.log", encoding: .utf8)) ?? ""
        XCTAssertFalse(
            journal.contains("apply"), "the journal recorded no apply: \(journal)", file: file, line: line)
        XCTAssertNil(program.waitForLine(timeout: 0.3) { $0 == "compute=43" }, file: file, line: line)
    }
}
