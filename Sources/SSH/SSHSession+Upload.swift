import Foundation

extension SSHSession {
    /// Copies `localPath` into the private upload folder as `<sha256>-<basename>`; see `putFiles`.
    package func putFile(localPath: String, mode: Int32) throws(HostConnectionError) -> UploadResult {
        try putFiles([UploadRequest(localPath: localPath, mode: mode)])[0]
    }

    /// Places each file in the private upload folder as `<sha256>-<basename>`, in at most
    /// three steps whatever the number of files:
    /// 1. one remote command (`UploadScript.prepare`): make sure the folder exists, is ours and
    ///    is 0700 (refuse otherwise), and hash on the host every file already there under its
    ///    name (a name can lie): same hash, nothing is sent for it;
    /// 2. one SFTP session sends the rest to temporary names, gzipped when the host has
    ///    `gzip` and it pays (the agent shrinks to about a third);
    /// 3. one remote command (`UploadScript.finalize`) expands, checks each file's SHA-256
    ///    against the local one, sets the mode and renames it into place (atomic).
    /// Files this session already verified are not looked at again when the login is root
    /// (see below): the folder is 0700 and ours, and the session's life is one rollout.
    package func putFiles(_ requests: [UploadRequest]) throws(HostConnectionError) -> [UploadResult] {
        lock.lock()
        defer { lock.unlock() }
        var files: [LocalFile] = []
        for request in requests { files.append(try LocalFileCache.file(request.localPath, compress: false)) }
        let names = zip(requests, files).map { request, file in
            file.sha256 + "-" + (request.localPath as NSString).lastPathComponent
        }
        if let folder = privateDirectory,
            names.indices.allSatisfy({
                verifiedUploads[folder + "/" + names[$0]] == verifiedKey(files[$0], requests[$0])
            })
        {
            return names.indices.map {
                UploadResult(remotePath: folder + "/" + names[$0], sha256: files[$0].sha256, bytesSent: 0)
            }
        }
        let survey = try surveyFolder(names: names, files: files, requests: requests)
        let folder = survey.chosen!
        let paths = names.map { folder + "/" + $0 }
        let missing = paths.indices.filter { !survey.present.contains($0) }
        var sent = [Int](repeating: 0, count: paths.count)
        if !missing.isEmpty {
            try requireSpace(for: missing, of: files, in: folder, survey: survey)
            sent = try send(
                missing, of: requests, files, to: paths, gzip: survey.hasGzip, hashTool: survey.hashTool!)
        }
        // Trusted for the session's life only when the login is root: then whoever could change
        // the file in the 0700 folder is root already. Any other login hashes again each time,
        // since the agent may then run as root through sudo.
        if survey.uid == "0" {
            for index in paths.indices {
                verifiedUploads[paths[index]] = verifiedKey(files[index], requests[index])
            }
        }
        return paths.indices.map {
            UploadResult(remotePath: paths[$0], sha256: files[$0].sha256, bytesSent: sent[$0])
        }
    }

    /// The upload folder with `%u` replaced by the login user.
    var remoteDirectoryPath: String {
        options.remoteDirectory.replacingOccurrences(of: "%u", with: endpoint.user)
    }

    /// The folders tried in order: the configured one, then the fallbacks (for a `noexec`
    /// or missing first choice), `%u` replaced by the login user.
    var remoteDirectoryCandidates: [String] {
        [remoteDirectoryPath]
            + options.remoteDirectoryFallbacks.map { $0.replacingOccurrences(of: "%u", with: endpoint.user) }
    }

    private func verifiedKey(_ file: LocalFile, _ request: UploadRequest) -> String {
        file.sha256 + ":" + String(request.mode, radix: 8)
    }

    /// Step 1: the host checked (architecture, kernel, hash tool), a folder chosen, made and
    /// checked, files already present found (see `UploadScript.prepare`). A folder someone else
    /// made or can read is refused: they could swap the agent before it runs as root.
    private func surveyFolder(
        names: [String], files: [LocalFile], requests: [UploadRequest]
    ) throws(HostConnectionError) -> UploadScript.Survey {
        let candidates = remoteDirectoryCandidates
        var arguments = [String(candidates.count)] + candidates
        for index in names.indices {
            arguments += [names[index], files[index].sha256, String(requests[index].mode, radix: 8)]
        }
        let result = try execLocked(
            ["sh", "-c", UploadScript.prepare, "sh"] + arguments, options: ExecOptions(timeout: .seconds(120))
        )
        let survey = UploadScript.Survey(result.stdoutText)
        if let problem = survey.hostProblem {
            throw failure(
                .exec, problem + "; nothing was uploaded",
                next:
                    "leave this host out of the rollout (--limit '!\(endpoint.label.split(separator: " ").first ?? "")')"
            )
        }
        guard let uid = survey.uid else {
            throw failure(
                .exec,
                "checking the upload folder \(candidates[0]) failed (exit \(result.status)): \(oneLine(result))",
                next: "check that the login user has a working POSIX shell with uname, id and stat")
        }
        if survey.hashTool == "none" {
            throw failure(
                .exec,
                "the host has no SHA-256 tool (sha256sum, shasum, openssl or busybox) to check uploads with",
                next: "install coreutils (sha256sum) on the host")
        }
        if survey.chosen == nil, let last = survey.folders.last, last.status != "\(uid) 700 directory" {
            let fields = last.status.split(separator: " ").map(String.init)
            let kind = fields[2] == "directory" ? "a folder" : "not a folder"
            throw failure(
                .sftp,
                "\(last.path) exists but is \(kind) with owner uid \(fields[0]) and mode \(fields[1]); expected a folder of uid \(uid) with mode 700",
                next: "inspect it on the host; if it is yours, `chmod 700 \(last.path)`, otherwise remove it")
        }
        guard let chosen = survey.chosen else {
            let tried = survey.skipped.map { "\($0.path) (\(Self.skipReason($0.reason)))" }.joined(
                separator: ", ")
            throw failure(
                .sftp,
                "no usable upload folder: \(tried.isEmpty ? candidates.joined(separator: ", ") : tried)",
                next: "pass --remote-dir DIR naming a folder the login user may create that allows exec")
        }
        privateDirectory = chosen
        return survey
    }

    /// A `skip` reason of `UploadScript.prepare` in words.
    private static func skipReason(_ reason: String) -> String {
        switch reason {
        case "noexec": "its file system is mounted noexec"
        case "unwritable": "cannot write there"
        default: "cannot create it"
        }
    }

    /// Refuses before sending when the folder's file system has less room than the files need
    /// (a gzipped file needs room for both copies while it is expanded).
    private func requireSpace(
        for indexes: [Int], of files: [LocalFile], in folder: String, survey: UploadScript.Survey
    ) throws(HostConnectionError) {
        guard let free = survey.freeBytes else { return }
        let needed = indexes.reduce(0) { $0 + files[$1].bytes.count * (survey.hasGzip ? 2 : 1) }
        guard free < UInt64(needed) else { return }
        throw failure(
            .sftp, "no space left for the upload in \(folder): \(free) bytes free, \(needed) needed",
            next: "free space there, or pass --remote-dir DIR on a file system with room")
    }

    /// Steps 2 and 3 for the files at `indexes`; returns the bytes sent per file (0 for the others).
    private func send(
        _ indexes: [Int], of requests: [UploadRequest], _ files: [LocalFile], to paths: [String], gzip: Bool,
        hashTool: String
    ) throws(HostConnectionError) -> [Int] {
        let suffix = ".part-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var sent = [Int](repeating: 0, count: paths.count)
        var finalizeArguments: [String] = []
        var temporaries: [String] = []
        do throws(HostConnectionError) {
            var payloads: [(String, Data)] = []
            for index in indexes {
                var file = files[index]
                if gzip, file.bytes.count >= LocalFileCache.compressionThreshold {
                    file = try LocalFileCache.file(requests[index].localPath, compress: true)
                }
                let name = (paths[index] as NSString).lastPathComponent
                let temporary = (paths[index] as NSString).deletingLastPathComponent + "/." + name + suffix
                temporaries += [temporary, temporary + ".gz"]
                let packed = gzip ? file.gzipped : nil
                payloads.append((packed == nil ? temporary : temporary + ".gz", packed ?? file.bytes))
                sent[index] = (packed ?? file.bytes).count
                finalizeArguments += [
                    temporary, packed == nil ? "raw" : "gz", file.sha256,
                    String(requests[index].mode, radix: 8),
                    paths[index], packed == nil ? "-" : file.gzippedSHA256 ?? "-",
                ]
            }
            try withSFTP { sftp, limit throws(HostConnectionError) in
                for (path, bytes) in payloads { try write(bytes, to: sftp, at: path, until: limit) }
            }
            let result = try execLocked(
                ["sh", "-c", UploadScript.finalize, "sh", hashTool] + finalizeArguments,
                options: ExecOptions(timeout: .seconds(120)))
            guard result.status == 0 else { throw finalizeFailure(result, indexes: indexes, requests, paths) }
        } catch {
            if handle != nil, !temporaries.isEmpty {
                _ = try? execLocked(
                    ["rm", "-f", "--"] + temporaries, options: ExecOptions(timeout: .seconds(10)))
            }
            throw error
        }
        return sent
    }

    /// The error for a failed `UploadScript.finalize`, naming the file and the step.
    private func finalizeFailure(
        _ result: ExecResult, indexes: [Int], _ requests: [UploadRequest], _ paths: [String]
    ) -> HostConnectionError {
        let words =
            result.stdoutText.split(separator: "\n").last { $0.hasPrefix("fail ") }?
            .split(separator: " ").map(String.init) ?? []
        let position = words.count >= 3 ? Int(words[1]) ?? 0 : 0
        let index = indexes[min(position, indexes.count - 1)]
        let local = requests[index].localPath
        switch words.count >= 3 ? words[2] : "" {
        case "hash":
            return failure(
                .sftp,
                "\(local) arrived at \(paths[index]) with a different SHA-256 than sent (\(words.count > 3 ? words[3] : "?"))",
                next: "retry; check the host's disk")
        case "expand":
            return failure(
                .sftp, "expanding the gzip copy of \(local) on the host failed",
                next:
                    "check free space in \((paths[index] as NSString).deletingLastPathComponent) and the host's gzip"
            )
        default:
            return failure(
                .exec, "renaming into \(paths[index]) failed (exit \(result.status)): \(oneLine(result))",
                next: "check the upload folder on the host")
        }
    }

    private func oneLine(_ result: ExecResult) -> String {
        (result.stderrText.isEmpty ? result.stdoutText : result.stderrText)
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " | ")
    }

    /// Runs `body` with an SFTP session that is shut down afterwards, whatever happens.
    private func withSFTP(
        _ body: (OpaquePointer, ContinuousClock.Instant) throws(HostConnectionError) -> Void
    ) throws(HostConnectionError) {
        guard let session = handle else {
            throw failure(.sftp, "the session is closed", next: "open a new session", nothingRan: true)
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

    /// Writes `bytes` to a new remote file (created exclusively, 0600), handing libssh2 at most
    /// `sftpWindow` bytes past what the host has acknowledged. libssh2 (1.10) pipelines a buffer
    /// as many 30 kB SFTP writes in flight instead of waiting for each acknowledgement, but it
    /// copies ALL of a buffer into queued packets at once: given the whole 2.5 MB gzipped agent,
    /// 50 sessions held 125 MB of copies (the coordinator's peak RSS was 157-166 MB). A window
    /// keeps that many writes in flight (enough to fill a LAN link) and each copy bounded.
    private func write(
        _ bytes: Data, to sftp: OpaquePointer, at remotePath: String, until limit: ContinuousClock.Instant
    ) throws(HostConnectionError) {
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
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let written = Int(
                try retry(.sftp, until: limit, doing: "sending \(remotePath)") {
                    bytes.withUnsafeBytes { raw in
                        let end = min(raw.count, start + Self.sftpWindow)
                        return Int32(
                            clamping: LibSSH2.write(file, UnsafeRawBufferPointer(rebasing: raw[start..<end])))
                    }
                })
            guard written > 0 else {
                let reason = writeFailureReason(sftp, remotePath, needed: bytes.count - offset, until: limit)
                throw failure(
                    .sftp, "writing \(remotePath) failed: \(reason)", next: "check free space on the host")
            }
            offset += written
        }
        closed = true
        guard try retry(.sftp, until: limit, doing: "closing \(remotePath)", { LibSSH2.closeFile(file) }) == 0
        else {
            throw failure(
                .sftp, "closing \(remotePath) failed: \(sftpReason(sftp))",
                next: "check free space on the host")
        }
    }

    /// The most bytes handed to one `libssh2_sftp_write` (see `write`): 8 packets of 30 kB
    /// queued per session. libssh2 keeps what it queued and expects the next call to start at
    /// the first unacknowledged byte, which `write` does.
    static let sftpWindow = 256 * 1024

    /// Why a write failed. SFTP v3 reports a full disk as a bare "failure" (OpenSSH maps ENOSPC
    /// to it), so for that code the host's free space is asked to tell a full disk apart.
    private func writeFailureReason(
        _ sftp: OpaquePointer, _ path: String, needed: Int, until limit: ContinuousClock.Instant
    ) -> String {
        let reason = sftpReason(sftp)
        guard LibSSH2.sftpLastError(sftp) == 4 else { return reason }
        let folder = (path as NSString).deletingLastPathComponent
        var available: UInt64?
        _ = try? retry(
            .sftp, until: min(limit, ContinuousClock.now + .seconds(5)), doing: "asking free space"
        ) {
            let (rc, free) = LibSSH2.availableBytes(sftp, folder)
            available = free
            return rc
        }
        guard let available, available < UInt64(max(needed, 1)) else { return reason }
        return
            "no space left on the file system holding \(folder) (\(available) bytes free, \(needed) more to write)"
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
}
