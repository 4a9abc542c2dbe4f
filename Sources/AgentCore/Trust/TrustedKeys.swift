import Shared

/// The host's signing policy: the keys in `/etc/hotpatch/trusted-keys`, or none configured.
///
/// The path is fixed at compile time on purpose: no flag or environment variable can point the
/// agent elsewhere, so whoever drives the agent (the coordinator, a script) cannot loosen the
/// host's policy. Only root decides, by owning the file and the folders above it.
enum TrustedKeys {
    /// Where the policy lives.
    static let path = "/etc/hotpatch/trusted-keys"
    /// The folder holding it; if it exists it must be as safe as the file.
    static let directory = "/etc/hotpatch"

    /// What the host's policy says.
    enum Policy {
        /// No trusted-keys file: unsigned patches are applied (and reported as such).
        case notConfigured
        /// Only patches signed by one of these keys are applied.
        case trusted([PatchPublicKey])
    }

    /// Reads the policy, failing closed: a file or folder someone other than root could change,
    /// an unreadable or malformed file, all refuse everything with the fix named.
    static func load() throws(AgentFailure) -> Policy {
        // The folders first: whoever can write one of them can replace or delete the file.
        for folder in ["/", "/etc", directory] {
            let facts: Syscalls.FileFacts
            do {
                facts = try Syscalls.linkFacts(folder)
            } catch {
                if folder == directory && error.errno == .noSuchFile { return .notConfigured }
                throw refusal("cannot check \(folder): \(error)")
            }
            try requireRootOnly(folder, facts, kind: "folder")
        }
        let contents: (bytes: [UInt8], facts: Syscalls.FileFacts)
        do {
            contents = try Syscalls.readWithFacts(path)
        } catch {
            if error.errno == .noSuchFile { return .notConfigured }
            throw refusal("cannot read \(path): \(error); make it readable by the agent (chmod 644 \(path))")
        }
        guard contents.facts.isRegular else {
            throw refusal("\(path) is not a regular file; replace it with one key per line")
        }
        try requireRootOnly(path, contents.facts, kind: "file")
        do {
            return .trusted(try PatchPublicKey.list(String(decoding: contents.bytes, as: UTF8.self)))
        } catch {
            throw refusal(
                "\(path) \(error.description); each line must be \"hotpatch-ed25519 <base64 key> <comment>\" "
                    + "as `hotpatch keygen` writes NAME.pub")
        }
    }

    /// Root-owned and writable by nobody else, or a refusal naming the owner, mode and the fix.
    private static func requireRootOnly(_ path: String, _ facts: Syscalls.FileFacts, kind: String)
        throws(AgentFailure)
    {
        guard kind == "file" || facts.isDirectory else {
            throw refusal("\(path) is not a folder (a symbolic link?); make it a root-owned folder")
        }
        if facts.uid != 0 {
            throw refusal("\(kind) \(path) is owned by uid \(facts.uid), not root; fix: chown root \(path)")
        }
        if facts.mode & 0o022 != 0 {
            throw refusal(
                "\(kind) \(path) has mode \(octal(facts.mode)): group or others may write it; fix: chmod go-w \(path)"
            )
        }
    }

    private static func refusal(_ why: String) -> AgentFailure {
        AgentFailure(.untrusted, "refusing every patch: the trust policy cannot be trusted: \(why)")
    }
}

/// `0o644` as people write it (`0644`).
func octal(_ mode: UInt32) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
