import Shared

/// Reads and checks a patch file, turning every problem into a `bad-patch` failure that names it.
enum PatchLoader {
    /// Loads the patch at `path`.
    static func load(_ path: String) throws(AgentFailure) -> PatchFile {
        let bytes: [UInt8]
        do {
            bytes = try Syscalls.readFile(path)
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .badPatch, "cannot read patch \(path): \(error)")
        }
        do {
            return try PatchFile(bytes: bytes)
        } catch {
            throw AgentFailure(
                .badPatch, "\(path) is not a usable patch: \(error); recreate it with `hotpatch create`")
        }
    }
}
