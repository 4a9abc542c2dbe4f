import Crypto
import Foundation

extension SSHSession {
    /// Copies `localPath` into the private upload folder as `<sha256>-<basename>`:
    /// 1. hash the local file;
    /// 2. make sure the folder exists, is ours and is 0700 (refuse otherwise);
    /// 3. if a file of that name is there, hash it ON the host (a name can lie): same hash,
    ///    nothing is sent;
    /// 4. otherwise send it to a temporary name, hash it on the host, chmod, and rename it
    ///    into place (atomic: a reader never sees half a file).
    func putFile(localPath: String, mode: Int32) throws(HostConnectionError) -> UploadResult {
        lock.lock()
        defer { lock.unlock() }
        let digest = try localDigest(localPath)
        let folder = try ensurePrivateDirectory()
        let name = digest + "-" + (localPath as NSString).lastPathComponent
        let remotePath = folder + "/" + name
        if try remoteDigest(remotePath) == digest {
            try withSFTP { sftp, limit throws(HostConnectionError) in
                try chmod(sftp, remotePath, mode: Int(mode), until: limit)
            }
            return UploadResult(remotePath: remotePath, sha256: digest, bytesSent: 0)
        }
        let temporary = folder + "/." + name + ".part-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var sent = 0
        do throws(HostConnectionError) {
            try withSFTP { sftp, limit throws(HostConnectionError) in
                sent = try send(localPath, to: sftp, at: temporary, until: limit)
                try chmod(sftp, temporary, mode: Int(mode), until: limit)
            }
            guard let arrived = try remoteDigest(temporary), arrived == digest else {
                throw failure(
                    .sftp, "\(localPath) arrived at \(temporary) with a different SHA-256 than sent",
                    next: "retry; check the host's disk")
            }
            try requireSuccess(
                execLocked(["mv", "-f", "--", temporary, remotePath], options: ExecOptions()),
                "renaming into \(remotePath)")
        } catch {
            if handle != nil {
                _ = try? execLocked(
                    ["rm", "-f", "--", temporary], options: ExecOptions(timeout: .seconds(10)))
            }
            throw error
        }
        return UploadResult(remotePath: remotePath, sha256: digest, bytesSent: sent)
    }

    /// The upload folder with `%u` replaced by the login user.
    var remoteDirectoryPath: String {
        options.remoteDirectory.replacingOccurrences(of: "%u", with: endpoint.user)
    }

    /// Creates the upload folder 0700 if missing, then checks (with lstat: a symlink is
    /// refused) that it is a folder owned by the login user with mode 0700. A folder someone
    /// else made or can read is refused: they could swap the agent before it runs as root.
    private func ensurePrivateDirectory() throws(HostConnectionError) -> String {
        if let privateDirectory { return privateDirectory }
        let path = remoteDirectoryPath
        let idResult = try execLocked(["id", "-u"], options: ExecOptions(timeout: .seconds(30)))
        guard idResult.status == 0,
            let uid = UInt(idResult.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw failure(
                .exec, "`id -u` failed on the host: \(idResult.stderrText)",
                next: "check that the login user has a working shell")
        }
        try withSFTP { sftp, limit throws(HostConnectionError) in
            // mkdir fails harmlessly when the folder exists; the lstat below decides.
            _ = try retry(.sftp, until: limit, doing: "creating \(path)") {
                LibSSH2.mkdir(sftp, path, mode: 0o700)
            }
            var attributes: LibSSH2.RemoteAttributes?
            let rc = try retry(.sftp, until: limit, doing: "checking \(path)") {
                let (rc, found) = LibSSH2.lstat(sftp, path)
                attributes = found
                return rc
            }
            guard rc == 0, let attributes else {
                throw failure(
                    .sftp, "cannot create or inspect \(path): \(sftpReason(sftp))",
                    next: "check that the parent folder exists and is writable, or set another remote folder")
            }
            let mode = attributes.permissions & 0o7777
            guard attributes.isDirectory, attributes.uid == uid, mode == 0o700 else {
                let kind = attributes.isDirectory ? "a folder" : "not a folder"
                throw failure(
                    .sftp,
                    "\(path) exists but is \(kind) with owner uid \(attributes.uid) and mode \(String(mode, radix: 8)); expected a folder of uid \(uid) with mode 700",
                    next: "inspect it on the host; if it is yours, `chmod 700 \(path)`, otherwise remove it")
            }
        }
        privateDirectory = path
        return path
    }

    /// The SHA-256 of a remote file as the host computes it, or nil when it does not exist.
    private func remoteDigest(_ path: String) throws(HostConnectionError) -> String? {
        let result = try execLocked(["sha256sum", "--", path], options: ExecOptions(timeout: .seconds(120)))
        guard result.status == 0 else { return nil }
        let digest = result.stdoutText.prefix(64)
        return digest.count == 64 ? String(digest) : nil
    }

    private func requireSuccess(_ result: ExecResult, _ what: String) throws(HostConnectionError) {
        guard result.status != 0 else { return }
        throw failure(
            .exec,
            "\(what) failed (exit \(result.status)): \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))",
            next: "check the upload folder on the host")
    }

    /// Runs `body` with an SFTP session that is shut down afterwards, whatever happens.
    private func withSFTP(
        _ body: (OpaquePointer, ContinuousClock.Instant) throws(HostConnectionError) -> Void
    ) throws(HostConnectionError) {
        guard let session = handle else {
            throw failure(.sftp, "the session is closed", next: "open a new session")
        }
        let limit = deadline(after: .seconds(600))
        guard
            let sftp = try retryHandle(
                .sftp, until: limit, doing: "starting SFTP", { LibSSH2.sftpInit(session) })
        else {
            throw failure(
                .sftp, "the server refused SFTP: \(LibSSH2.lastErrorMessage(session))",
                next: "enable the sftp Subsystem in the host's sshd_config")
        }
        defer {
            let bound = ContinuousClock.now + .seconds(2)
            while LibSSH2.sftpShutdown(sftp) == LibSSH2.again, ContinuousClock.now < bound, socket >= 0 {
                _ = LibSSH2.waitSocket(socket, read: true, write: false, timeoutMilliseconds: 50)
            }
        }
        try body(sftp, limit)
    }

    /// Streams the local file to a new remote file; returns the bytes sent.
    private func send(
        _ localPath: String, to sftp: OpaquePointer, at remotePath: String,
        until limit: ContinuousClock.Instant
    )
        throws(HostConnectionError) -> Int
    {
        guard let input = FileHandle(forReadingAtPath: localPath) else {
            throw failure(.sftp, "cannot read \(localPath)", next: "check the local path and its permissions")
        }
        defer { try? input.close() }
        guard
            let file = try retryHandle(
                .sftp, until: limit, doing: "creating \(remotePath)",
                { LibSSH2.createExclusive(sftp, remotePath, mode: 0o600) })
        else {
            throw failure(
                .sftp, "cannot create \(remotePath): \(sftpReason(sftp))",
                next: "check free space and the upload folder on the host")
        }
        var closed = false
        defer { if !closed { _ = LibSSH2.closeFile(file) } }
        var sent = 0
        while let chunk = try? input.read(upToCount: 64 * 1024), !chunk.isEmpty {
            var offset = 0
            while offset < chunk.count {
                let start = offset
                let written = Int(
                    try retry(.sftp, until: limit, doing: "sending \(remotePath)") {
                        chunk.withUnsafeBytes { bytes in
                            Int32(
                                clamping: LibSSH2.write(
                                    file, UnsafeRawBufferPointer(rebasing: bytes[start...])))
                        }
                    })
                guard written > 0 else {
                    throw failure(
                        .sftp, "writing \(remotePath) failed: \(sftpReason(sftp))",
                        next: "check free space on the host")
                }
                offset += written
                sent += written
            }
        }
        closed = true
        guard try retry(.sftp, until: limit, doing: "closing \(remotePath)", { LibSSH2.closeFile(file) }) == 0
        else {
            throw failure(
                .sftp, "closing \(remotePath) failed: \(sftpReason(sftp))",
                next: "check free space on the host")
        }
        return sent
    }

    private func chmod(_ sftp: OpaquePointer, _ path: String, mode: Int, until limit: ContinuousClock.Instant)
        throws(HostConnectionError)
    {
        guard
            try retry(.sftp, until: limit, doing: "chmod \(path)", { LibSSH2.chmod(sftp, path, mode: mode) })
                == 0
        else {
            throw failure(
                .sftp, "chmod \(String(mode, radix: 8)) \(path) failed: \(sftpReason(sftp))",
                next: "check the upload folder on the host")
        }
    }

    /// SFTP's status code in words (the common ones).
    private func sftpReason(_ sftp: OpaquePointer) -> String {
        switch LibSSH2.sftpLastError(sftp) {
        case 2: "no such file"
        case 3: "permission denied"
        case 4: "failure (exists already, or disk full?)"
        case 11: "file already exists"
        case 14: "no space on the file system"
        case let code: "SFTP status \(code)"
        }
    }

    /// SHA-256 of a local file, lowercase hex, read in chunks.
    private func localDigest(_ path: String) throws(HostConnectionError) -> String {
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw failure(.sftp, "cannot read local file \(path)", next: "check the path and its permissions")
        }
        defer { try? input.close() }
        var hasher = SHA256()
        while let chunk = try? input.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
