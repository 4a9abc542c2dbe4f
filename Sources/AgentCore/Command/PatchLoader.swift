import Shared

/// Reads and checks a patch file, turning every problem into a failure that names it.
enum PatchLoader {
    /// A patch `apply` may go ahead with, and who signed it.
    struct Trusted {
        /// The checked patch.
        let patch: PatchFile
        /// The signature as the host's policy saw it (for the report).
        let signature: SignatureReport
    }

    /// Loads the patch at `path` for `apply`, in the order that touches least: the host's
    /// policy (fail closed when unsafe), the file's owner and mode, the patch's structure, then
    /// its signature. Any refusal happens before a process is looked at.
    static func loadForApply(_ path: String) throws(AgentFailure) -> Trusted {
        let policy = try TrustedKeys.load()
        let bytes = try PatchFileOwnership.read(path)
        let patch = try parse(bytes, path: path)
        return Trusted(patch: patch, signature: try PatchTrust.check(patch, path: path, policy: policy))
    }

    /// Loads the patch at `path` to learn its id (revert): reverting restores the bytes the
    /// process itself recorded, so neither signature nor owner is checked.
    static func load(_ path: String) throws(AgentFailure) -> PatchFile {
        let bytes: [UInt8]
        do {
            bytes = try Syscalls.readFile(path)
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .badPatch, "cannot read patch \(path): \(error)")
        }
        return try parse(bytes, path: path)
    }

    private static func parse(_ bytes: [UInt8], path: String) throws(AgentFailure) -> PatchFile {
        do {
            return try PatchFile(bytes: bytes)
        } catch {
            throw AgentFailure(
                .badPatch, "\(path) is not a usable patch: \(error); recreate it with `hotpatch create`")
        }
    }
}
