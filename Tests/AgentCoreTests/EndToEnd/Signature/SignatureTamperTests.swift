import Foundation
import Shared
import TestSupport
import XCTest

@testable import AgentCore

/// No byte of a signed patch is unsigned: flipping any single bit of any byte (headers, section
/// headers, code, metadata, string tables, the signature section itself) makes the patch
/// unusable or untrusted. Checked in-process with the agent's own loader and libsodium check,
/// every byte of a real patch signed by the `openssl` command line.
final class SignatureTamperTests: XCTestCase {
    func testFlippingAnyByteOfASignedPatchIsRefused() throws {
        let fixture = try CFixture("signature-tamper")
        defer { fixture.remove() }
        try fixture.link("service", Fixtures.blockingService, flags: Fixtures.targetFlags)
        let path = try fixture.servicePatch(
            id: "compute-fix", fix: Fixtures.computeFix, functions: ["compute"])
        let signer = try OpenSSLSigner(
            directory: fixture.directory, name: "release", comment: "release@build")
        try signer.sign(path)
        let signed = try fixture.bytes("compute-fix.hotpatch")
        let policy = TrustedKeys.Policy.trusted([signer.publicKey])

        // The untouched file is trusted, and says by whom.
        let report = try PatchTrust.check(PatchFile(bytes: signed), path: path, policy: policy)
        XCTAssertEqual(report.comment, "release@build")

        var unreadable = 0
        var untrusted = 0
        for offset in signed.indices {
            var bytes = signed
            bytes[offset] ^= 0x20
            guard let patch = try? PatchFile(bytes: bytes) else {
                unreadable += 1
                continue
            }
            do {
                _ = try PatchTrust.check(patch, path: path, policy: policy)
                XCTFail("a patch with byte \(offset) changed was trusted")
            } catch {
                XCTAssertEqual(error.kind, .untrusted, "byte \(offset): \(error.message)")
                untrusted += 1
            }
        }
        XCTAssertEqual(unreadable + untrusted, signed.count)
        XCTAssertGreaterThan(
            untrusted, signed.count / 2, "most flips leave a readable patch the signature catches")
    }

    /// Key lines: what `hotpatch keygen` writes parses back; comments and blank lines are
    /// skipped; a bad line is named by number.
    func testTrustedKeyListParsing() throws {
        let key = PatchPublicKey(rawKey: Array(0..<32), comment: "ops team@build-1")
        let text = "# release keys\n\n   \n" + key.line + "\n"
        XCTAssertEqual(try PatchPublicKey.list(text), [key])
        XCTAssertEqual(Base64.decode(Substring(Base64.encode([1, 2, 3, 4]))), [1, 2, 3, 4])
        XCTAssertThrowsError(try PatchPublicKey.list(text + "ssh-ed25519 AAAA x\n")) { error in
            XCTAssertTrue("\(error)".contains("line 5"), "\(error)")
        }
        XCTAssertThrowsError(try PatchPublicKey.list("hotpatch-ed25519 AAAA short\n"))
    }
}
