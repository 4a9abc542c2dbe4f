import Foundation
import TestSupport
import XCTest

@testable import SSH

/// Content-addressed SFTP uploads to a real sshd on 127.77.5.x (same machine, so the remote
/// files are checked directly on disk).
final class SSHUploadTests: XCTestCase {
    private func permissions(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    func testUploadIsContentAddressedAndSkippedWhenPresentAndResentWhenTampered() throws {
        try SSHServerFixture.with(address: "127.77.5.1", port: 2241) { server in
            let local = server.directory + "/hotpatch-agent"
            // Random bytes do not compress, so this upload goes as it is (see the gzip test).
            let content = Data((0..<300_000).map { _ in UInt8.random(in: 0...255) })
            try content.write(to: URL(fileURLWithPath: local))
            let session = try server.session()
            defer { session.close() }

            let first = try session.putFile(localPath: local, mode: 0o700)
            let folder = server.directory + "/upload-\(server.user)"
            XCTAssertEqual(first.bytesSent, content.count)
            XCTAssertEqual(first.remotePath, folder + "/\(first.sha256)-hotpatch-agent")
            XCTAssertEqual(
                first.sha256, try Subprocess.run("/usr/bin/sha256sum", [local]).stdout.prefix(64).description)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first.remotePath)), content)
            XCTAssertEqual(try permissions(first.remotePath), 0o700)
            XCTAssertEqual(try permissions(folder), 0o700)
            let name = first.remotePath.split(separator: "/").last!.description
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                ["." + name + ".verified", name], "no temp files left; the verified-hash record")

            let second = try session.putFile(localPath: local, mode: 0o700)
            XCTAssertEqual(second.bytesSent, 0, "identical content is not sent again")
            XCTAssertEqual(second.remotePath, first.remotePath)

            // Someone changes the file behind the name: the name lies, the hash does not. (A
            // session trusts what it verified itself for its own life, one rollout, when the
            // login is root; a new session hashes again.)
            try Data("tampered".utf8).write(to: URL(fileURLWithPath: first.remotePath))
            let later = try server.session()
            defer { later.close() }
            let third = try later.putFile(localPath: local, mode: 0o700)
            XCTAssertEqual(third.bytesSent, content.count)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first.remotePath)), content)
        }
    }

    func testCompressibleFileTravelsGzippedAndLandsByteExactWithItsModeAndHash() throws {
        try SSHServerFixture.with(address: "127.77.5.5", port: 2245) { server in
            // Like the agent: large, and code-like enough to shrink well under gzip.
            let local = server.directory + "/hotpatch-agent"
            var content = Data()
            for index in 0..<40_000 {
                content.append(contentsOf: Array("mov r\(index % 16), [rsp+\(index % 97)]\n".utf8))
            }
            content.append(contentsOf: (0..<4096).map { _ in UInt8.random(in: 0...255) })
            try content.write(to: URL(fileURLWithPath: local))
            let session = try server.session()
            defer { session.close() }

            let upload = try session.putFile(localPath: local, mode: 0o700)
            XCTAssertGreaterThan(upload.bytesSent, 0)
            XCTAssertLessThan(
                upload.bytesSent, content.count / 3, "sent \(upload.bytesSent) of \(content.count)")
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: upload.remotePath)), content, "byte-exact")
            XCTAssertEqual(try permissions(upload.remotePath), 0o700)
            let onHost = try Subprocess.run("/usr/bin/sha256sum", [upload.remotePath]).stdout.prefix(64)
            XCTAssertEqual(String(onHost), upload.sha256)
            XCTAssertEqual(
                upload.sha256, try Subprocess.run("/usr/bin/sha256sum", [local]).stdout.prefix(64).description
            )
            let folder = server.directory + "/upload-\(server.user)"
            let name = (upload.remotePath as NSString).lastPathComponent
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                ["." + name + ".verified", name], "no .gz or temp file left; the verified-hash record")

            // A second session finds it by hash and sends nothing.
            let again = try server.session()
            defer { again.close() }
            XCTAssertEqual(try again.putFile(localPath: local, mode: 0o700).bytesSent, 0)
        }
    }

    func testSecondSessionSendsNothingForTheSameFile() throws {
        try SSHServerFixture.with(address: "127.77.5.2", port: 2242) { server in
            let local = server.directory + "/fix.hotpatch"
            try Data("patch bytes".utf8).write(to: URL(fileURLWithPath: local))
            let sent = try (0..<2).map { _ in
                let session = try server.session()
                defer { session.close() }
                return try session.putFile(localPath: local, mode: 0o600).bytesSent
            }
            XCTAssertEqual(sent, [11, 0])
        }
    }

    func testFolderWithWrongModeIsRefused() throws {
        try SSHServerFixture.with(address: "127.77.5.3", port: 2243) { server in
            let folder = server.directory + "/upload-\(server.user)"
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            let local = server.directory + "/file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: local))
            let session = try server.session()
            defer { session.close() }
            let error = connectionError { _ = try session.putFile(localPath: local, mode: 0o600) }
            XCTAssertEqual(error?.phase, .sftp)
            XCTAssertTrue(
                error?.message.contains("mode 755; expected a folder of uid") == true,
                error?.description ?? "")
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: folder), [], "nothing uploaded")
        }
    }

    func testSymlinkInPlaceOfTheFolderIsRefused() throws {
        try SSHServerFixture.with(address: "127.77.5.4", port: 2244) { server in
            let elsewhere = server.directory + "/elsewhere"
            try FileManager.default.createDirectory(
                atPath: elsewhere, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try FileManager.default.createSymbolicLink(
                atPath: server.directory + "/upload-\(server.user)", withDestinationPath: elsewhere)
            let local = server.directory + "/file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: local))
            let session = try server.session()
            defer { session.close() }
            let error = connectionError { _ = try session.putFile(localPath: local, mode: 0o600) }
            XCTAssertEqual(error?.phase, .sftp)
            XCTAssertTrue(error?.message.contains("is not a folder") == true, error?.description ?? "")
        }
    }
}
