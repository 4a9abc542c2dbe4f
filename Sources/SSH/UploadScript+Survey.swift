import Shared

extension UploadScript {
    /// What `prepare` reported, parsed (pure: tested with tables of script output).
    struct Survey: Equatable {
        /// `uname -m` on the host.
        var architecture: String?
        /// `uname -r` on the host.
        var kernel: String?
        /// The login user's uid on the host.
        var uid: String?
        /// The SHA-256 tool found (`sha256sum`, `shasum`, `openssl`, `busybox`, or `none`).
        var hashTool: String?
        /// `OWNER MODE TYPE` and path of each candidate folder inspected, in order.
        var folders: [(status: String, path: String)] = []
        /// Candidates passed over: reason (`missing`, `unwritable`, `noexec`) and path.
        var skipped: [(reason: String, path: String)] = []
        /// The folder chosen (the file lines follow only then).
        var chosen: String?
        /// Whether the host has `gzip`.
        var hasGzip = false
        /// Bytes free in the chosen folder, when `stat -f` could tell.
        var freeBytes: UInt64?
        /// Indexes of the files already present with the right hash.
        var present: Set<Int> = []

        /// Parses `prepare`'s stdout.
        init(_ output: String) {
            for line in output.split(separator: "\n") {
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard words.count == 2 else { continue }
                let value = words[1]
                switch words[0] {
                case "arch": architecture = value
                case "kernel": kernel = value
                case "uid": uid = value
                case "hash": hashTool = value
                case "dir": folders.append(("? ? missing", value))
                case "stat": if !folders.isEmpty { folders[folders.count - 1].status = value }
                case "skip":
                    let fields = value.split(separator: " ", maxSplits: 1).map(String.init)
                    if fields.count == 2 { skipped.append((fields[0], fields[1])) }
                case "use": chosen = value
                case "gzip": hasGzip = value == "yes"
                case "free": freeBytes = UInt64(value)
                case "have": if let index = Int(value) { present.insert(index) }
                default: break
                }
            }
        }

        /// Why the agent cannot run on this host at all (architecture, kernel), or nil; a host
        /// that cannot say (`unknown`, no `uname`) is let through to try.
        var hostProblem: String? {
            if let architecture, !["x86_64", "amd64", "unknown"].contains(architecture) {
                return "the agent is built for x86-64 only (host is \(architecture))"
            }
            if let kernel { return KernelRelease.problem(kernel) }
            return nil
        }

        static func == (lhs: Survey, rhs: Survey) -> Bool {
            lhs.architecture == rhs.architecture && lhs.kernel == rhs.kernel && lhs.uid == rhs.uid
                && lhs.hashTool == rhs.hashTool && lhs.chosen == rhs.chosen && lhs.hasGzip == rhs.hasGzip
                && lhs.freeBytes == rhs.freeBytes && lhs.present == rhs.present
                && lhs.folders.map { $0.status + " " + $0.path }
                    == rhs.folders.map { $0.status + " " + $0.path }
                && lhs.skipped.map { $0.reason + " " + $0.path }
                    == rhs.skipped.map { $0.reason + " " + $0.path }
        }
    }
}
