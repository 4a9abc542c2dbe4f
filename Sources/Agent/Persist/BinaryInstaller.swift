import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// `--persist`: installs the fixed build on disk so a restart runs fixed code, atomically, with
/// the old file kept (same inode: owner, mode and contents untouched) as a backup that `revert`
/// puts back. Records what it did under `STATE_DIR/persist/PATCH_ID`.
struct BinaryInstaller {
    /// The state directory.
    let stateDirectory: String

    /// Installs `newBinary` over `target`; returns the backup path.
    func install(_ newBinary: String, over target: String, patchID: String) throws(AgentFailure) -> String {
        let backup = target + ".hotpatch-backup." + patchID
        let temporary = directoryOf(target) + "/." + lastComponent(target) + ".hotpatch-new"
        do throws(SystemError) {
            let owner = try Syscalls.fileStatus(target)
            let contents = try Syscalls.readFile(newBinary)
            // Backup first: a hard link keeps the running build's inode exactly as it was.
            if !Syscalls.exists(backup) { try Syscalls.link(target, to: backup) }
            if Syscalls.exists(temporary) { try Syscalls.unlink(temporary) }
            let fd = try Syscalls.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            do throws(SystemError) {
                try Syscalls.write(fd, contents, what: temporary)
                try Syscalls.setOwnerAndMode(
                    fd, uid: owner.uid, gid: owner.gid, mode: owner.mode, path: temporary)
                try Syscalls.sync(fd, path: temporary)
                Syscalls.close(fd)
            } catch {
                Syscalls.close(fd)
                try? Syscalls.unlink(temporary)
                throw error
            }
            // The switch on disk: one rename, so a concurrent start sees the old or the new file.
            try Syscalls.rename(temporary, to: target)
            try writeRecord(patchID: patchID, target: target, backup: backup)
            return backup
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .failed,
                "could not install \(newBinary) over \(target): \(error); the running processes stay patched, "
                    + "the file on disk is unchanged unless it says otherwise")
        }
    }

    /// Puts the backup of `patchID` back, if `--persist` installed one; returns the restored path.
    func restore(patchID: String) throws(AgentFailure) -> String? {
        let record = recordPath(patchID)
        guard let bytes = try? Syscalls.readFile(record) else { return nil }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count >= 2 else { return nil }
        let (target, backup) = (lines[0], lines[1])
        do {
            try Syscalls.rename(backup, to: target)
            try Syscalls.unlink(record)
        } catch {
            throw AgentFailure(
                error.isPermission ? .permission : .failed,
                "could not put the backup \(backup) back over \(target): \(error); move it back by hand")
        }
        return target
    }

    private func writeRecord(patchID: String, target: String, backup: String) throws(SystemError) {
        try Syscalls.makeDirectories(stateDirectory + "/persist", mode: 0o700)
        let fd = try Syscalls.open(recordPath(patchID), flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        defer { Syscalls.close(fd) }
        try Syscalls.write(fd, Array("\(target)\n\(backup)\n".utf8), what: recordPath(patchID))
    }

    private func recordPath(_ patchID: String) -> String { stateDirectory + "/persist/" + patchID }

    private func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
