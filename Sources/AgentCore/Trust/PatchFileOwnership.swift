/// Refuses a patch file that someone other than root (or the agent's own user) could have
/// written, or could swap: the file must be owned by root, the agent's user or the user who ran
/// it through sudo, writable by nobody else, and its folder must not let others replace it.
enum PatchFileOwnership {
    /// Reads the patch at `path` after checking who could have changed it; returns its bytes.
    static func read(_ path: String) throws(AgentFailure) -> [UInt8] {
        let resolved: String
        do {
            resolved = try Syscalls.realPath(path)
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .badPatch, "cannot read patch \(path): \(error)")
        }
        let me = Syscalls.effectiveUser
        let folder = parent(of: resolved)
        let folderFacts: Syscalls.FileFacts
        do {
            folderFacts = try Syscalls.linkFacts(folder)
        } catch {
            throw AgentFailure(.badPatch, "cannot check the folder of patch \(path): \(error)")
        }
        // Others may write the folder only when its sticky bit keeps them from renaming our file.
        if folderFacts.mode & 0o002 != 0 && folderFacts.mode & 0o1000 == 0 {
            throw refusal(
                "the folder \(folder) holding patch \(resolved) has mode \(octal(folderFacts.mode)) (others may "
                    + "replace the patch); fix: chmod o-w \(folder) or chmod +t \(folder)")
        }
        let contents: (bytes: [UInt8], facts: Syscalls.FileFacts)
        do {
            contents = try Syscalls.readWithFacts(resolved)
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .badPatch, "cannot read patch \(path): \(error)")
        }
        let facts = contents.facts
        guard facts.isRegular else {
            throw AgentFailure(.badPatch, "patch \(resolved) is not a regular file")
        }
        // Root, the agent's own user, or (agent run as root by sudo, as rollouts with
        // ansible_become do) the user who ran sudo: the login user whose private upload folder
        // holds the patch, and who could run the agent on any file anyway.
        let sudoUser = me == 0 ? Syscalls.sudoUser : nil
        if facts.uid != 0 && facts.uid != me && facts.uid != sudoUser {
            throw refusal(
                "patch \(resolved) is owned by uid \(facts.uid) (mode \(octal(facts.mode))), not root"
                    + (me == 0 ? "" : " or the agent's uid \(me)") + "; fix: chown root \(resolved)")
        }
        if facts.mode & 0o022 != 0 {
            throw refusal(
                "patch \(resolved) (owner uid \(facts.uid)) has mode \(octal(facts.mode)): group or others may "
                    + "write it; fix: chmod go-w \(resolved)")
        }
        return contents.bytes
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func refusal(_ why: String) -> AgentFailure {
        AgentFailure(.untrusted, "refused, nothing touched: " + why)
    }
}
