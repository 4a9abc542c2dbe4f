import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch keygen`, `create --sign`, `sign` and `inspect --trusted-keys`, cross-checked with
/// the `openssl` command line both ways: OpenSSL reads our keys and verifies our signatures, and
/// keys OpenSSL made sign patches.
final class SignCommandTests: XCTestCase {
    private var fixture: CFixture!
    private var patch: String!

    override func setUpWithError() throws {
        fixture = try CFixture("signing")
        let parity = try ParityBuild.built()
        patch = fixture.path("parity-fix.hotpatch")
        let created = try HotpatchCLI.run([
            "create", "--old", parity.executable(.v1), "--new", parity.executable(.v2), "-o", patch,
        ])
        XCTAssertEqual(created.status, 0, created.stderr)
    }

    override func tearDown() { fixture.remove() }

    /// keygen: a 0600 PKCS#8 key OpenSSL reads, whose public half is the .pub line's key;
    /// never overwritten without --force.
    func testKeygenWritesAKeyOpenSSLReadsAndRefusesToOverwrite() throws {
        let key = fixture.path("release")
        let made = try HotpatchCLI.run(["keygen", "--out", key, "--comment", "release@build"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let mode = try XCTUnwrap(
            try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
        let line = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let publicKey = try PatchPublicKey(line: Substring(line.trimmingCharacters(in: .newlines)))
        XCTAssertEqual(publicKey.comment, "release@build")
        XCTAssertTrue(line.hasPrefix("hotpatch-ed25519 "))

        let der = fixture.path("release.pub.der")
        try openssl(["pkey", "-in", key, "-pubout", "-outform", "DER", "-out", der])
        XCTAssertEqual(Array(try fixture.bytes("release.pub.der").suffix(32)), publicKey.rawKey)

        let again = try HotpatchCLI.run(["keygen", "--out", key])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("exists") && again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: key + ".pub", encoding: .utf8), line, "untouched")
        let forced = try HotpatchCLI.run(["keygen", "--out", key, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertNotEqual(try String(contentsOfFile: key + ".pub", encoding: .utf8), line)
    }

    /// `hotpatch sign` with our key: OpenSSL verifies the signature over the documented message,
    /// the id and content hash do not change, and inspect names the key.
    func testSignatureVerifiesWithOpenSSLAndKeepsThePatchIdentity() throws {
        let key = fixture.path("release")
        XCTAssertEqual(try HotpatchCLI.run(["keygen", "--out", key, "--comment", "release@build"]).status, 0)
        let unsigned = try HotpatchCLI.load(patch)
        let unsignedSize = try fixture.bytes("parity-fix.hotpatch").count

        let signed = try HotpatchCLI.run(["sign", patch, "--key", key])
        XCTAssertEqual(signed.status, 0, signed.stderr)

        let file = try HotpatchCLI.load(patch)
        let signature = try XCTUnwrap(file.signature)
        XCTAssertEqual(file.id, unsigned.id)
        XCTAssertEqual(file.contentHash, unsigned.contentHash, "signing keeps the patch's identity")
        XCTAssertEqual(
            try fixture.bytes("parity-fix.hotpatch").count, unsignedSize, "bytes filled in, none added")
        let message = fixture.path("message")
        let signatureFile = fixture.path("signature")
        try Data(PatchSignature.message(file.content)).write(to: URL(fileURLWithPath: message))
        try Data(signature.signature).write(to: URL(fileURLWithPath: signatureFile))
        try openssl(["pkey", "-in", key, "-pubout", "-out", fixture.path("release.pub.pem")])
        let verified = try openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", fixture.path("release.pub.pem"), "-rawin", "-in",
            message,
            "-sigfile", signatureFile,
        ])
        XCTAssertTrue(verified.stdout.contains("Signature Verified Successfully"), verified.stdout)

        let publicKey = try PatchPublicKey(
            line: Substring(
                try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)))
        XCTAssertEqual(signature.keyID, publicKey.keyID)
        let inspected = try HotpatchCLI.run(["inspect", patch, "--trusted-keys", key + ".pub"])
        XCTAssertTrue(
            inspected.stdout.contains(
                "signature: signed by \(publicKey.keyID.hex.prefix(16)) (release@build), verified"),
            inspected.stdout)
    }

    /// A key made by `openssl genpkey` signs at create time; re-signing with another key
    /// replaces the signature; a byte changed afterwards shows as INVALID in inspect.
    func testOpenSSLKeySignsAtCreateAndReSigningReplacesTheSignature() throws {
        let opensslKey = fixture.path("ops.pem")
        try openssl(["genpkey", "-algorithm", "ed25519", "-out", opensslKey])
        let parity = try ParityBuild.built()
        let created = try HotpatchCLI.run([
            "create", "--old", parity.executable(.v1), "--new", parity.executable(.v2), "-o", patch, "--sign",
            opensslKey,
        ])
        XCTAssertEqual(created.status, 0, created.stderr)
        let first = try XCTUnwrap(try HotpatchCLI.load(patch).signature)

        let key = fixture.path("release")
        XCTAssertEqual(try HotpatchCLI.run(["keygen", "--out", key, "--comment", "release@build"]).status, 0)
        XCTAssertEqual(try HotpatchCLI.run(["sign", patch, "--key", key]).status, 0)
        let second = try XCTUnwrap(try HotpatchCLI.load(patch).signature)
        XCTAssertNotEqual(first.keyID, second.keyID, "the new signature replaced the old one")

        let inspectedJSON = try HotpatchCLI.run(["inspect", patch, "--json"])
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(inspectedJSON.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["signerKeyID"] as? String, second.keyID.hex)

        var bytes = try fixture.bytes("parity-fix.hotpatch")
        let metadata = try XCTUnwrap(try ELFFile(bytes: bytes).section(named: ".hotpatch"))
        bytes[Int(metadata.offset + metadata.size) - 1] ^= 0x01  // the last byte of the "created by" text
        try Data(bytes).write(to: URL(fileURLWithPath: patch))
        let tampered = try HotpatchCLI.run(["inspect", patch, "--trusted-keys", key + ".pub"])
        XCTAssertTrue(tampered.stdout.contains("INVALID: the file changed after signing"), tampered.stdout)
    }

    /// A key that is not Ed25519 PKCS#8 is refused, saying how to make one.
    func testNonEd25519KeyIsRefused() throws {
        let ecdsa = fixture.path("ecdsa.pem")
        try openssl(["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ecdsa])
        let result = try HotpatchCLI.run(["sign", patch, "--key", ecdsa])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("not an Ed25519 PKCS#8 key"), result.stderr)
        XCTAssertNil(try HotpatchCLI.load(patch).signature, "the patch is untouched")
    }

    @discardableResult
    private func openssl(_ arguments: [String]) throws -> ProgramResult {
        let result = try Subprocess.run("/usr/bin/openssl", arguments)
        XCTAssertEqual(result.status, 0, "openssl \(arguments): \(result.stderr)")
        return result
    }
}
