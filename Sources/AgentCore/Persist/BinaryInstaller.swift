import Shared

/// `--persist`: installs the fixed build on disk so a restart runs fixed code. Only over the
/// build the patch targets (checked by build-id on disk, since someone may have replaced the
/// file after the processes started), atomically (a rename in the same folder: a starting
/// process sees the old or the new file, never half of one), keeping the old inode as a backup
/// (a hard link: owner, mode, capabilities and contents untouched) and giving the new file the
/// old one's owner, mode and file capabilities. A second run finds the fixed build there and
/// changes nothing. Records what it did under `STATE_DIR/persist/PATCH_ID` for `revert`/`status`.
struct BinaryInstaller {
    /// The state directory.
    let stateDirectory: String

    /// Installs `fixed` over `target` when `target` is still build `expected`; never throws:
    /// every outcome, refusals included, is the returned entry.
    func install(_ fixed: String, over target: String, patchID: String, expected: BuildID) -> DiskFileReport {
        var report = DiskFileReport(path: target, action: .failed, patchID: patchID)
        // Step: which builds are these? The fixed one must be a build, and another than the target.
        guard let fixedID = DiskBuild(path: fixed).buildID else {
            report.message =
                "the fixed build \(fixed) is \(DiskBuild(path: fixed).text); upload an ELF file with a build-id"
            return report
        }
        guard fixedID != expected else {
            report.action = .refused
            report.message =
                "the fixed build \(fixed) has the build-id the patch targets (\(expected.hex)): it is the old build, not a fix"
            return report
        }
        report.installedBuildID = fixedID.hex
        report.replacedBuildID = expected.hex
        let onDisk = DiskBuild(path: target)
        report.buildID = onDisk.buildID?.hex
        // Step: the file on disk decides. Fixed already: done (a second run, or a resumed rollout).
        if onDisk.buildID == fixedID {
            report.action = .alreadyInstalled
            report.backup = recordedEntry(patchID: patchID, path: target)?.backup
            return report
        }
        // A third build: someone installed something else; replacing it would lose their change.
        guard onDisk.buildID == expected else {
            report.action = .refused
            report.message =
                "\(target) on disk is \(onDisk.text), neither the build the patch targets (\(expected.hex)) "
                + "nor the fixed build (\(fixedID.hex)): left as is, the running processes stay patched; "
                + "install the right build by hand or restart the service"
            return report
        }
        guard PersistRecord.canStore(target) else {
            report.message = "\(target): a path with a tab or newline cannot be recorded; not installed"
            return report
        }
        do throws(SystemError) {
            let backup = try swap(fixed, over: target, patchID: patchID, fixedID: fixedID, expected: expected)
            report.action = .installed
            report.backup = backup
            report.buildID = fixedID.hex
        } catch {
            if error.isPermission { report.message = "permission denied: " }
            report.message =
                (report.message ?? "") + "could not install \(fixed) over \(target): \(error); the running "
                + "processes stay patched and \(target) is unchanged"
        }
        return report
    }

    /// The steps of one install: backup link, record, new file beside the old, rename.
    private func swap(
        _ fixed: String, over target: String, patchID: String, fixedID: BuildID, expected: BuildID
    )
        throws(SystemError) -> String
    {
        let backup = target + ".hotpatch-backup." + patchID
        let temporary = directoryOf(target) + "/." + lastComponent(target) + ".hotpatch-new." + patchID
        let owner = try Syscalls.fileStatus(target)
        let capabilities = try Syscalls.attribute(Syscalls.capabilityAttribute, of: target)
        let contents = try Syscalls.readFile(fixed)
        // Backup first: a hard link keeps the running build's inode exactly as it was. A stale
        // backup (another build, left by an interrupted run) is replaced.
        if Syscalls.exists(backup), DiskBuild(path: backup).buildID != expected {
            try Syscalls.unlink(backup)
        }
        let madeBackup = !Syscalls.exists(backup)
        if madeBackup { try Syscalls.link(target, to: backup) }
        // Record before the switch: a crash after the rename must still let revert find the backup.
        try addToRecord(
            patchID: patchID,
            PersistRecord.Entry(path: target, backup: backup, replaced: expected, installed: fixedID))
        do throws(SystemError) {
            try replace(
                target, with: contents, owner: owner, capabilities: capabilities, temporary: temporary)
        } catch {
            // Nothing was switched: take back what this run added, so no record tells a false tale.
            if var record = record(patchID: patchID) {
                record.entries.removeAll { $0.path == target }
                try? writeRecord(record)
            }
            if madeBackup { try? Syscalls.unlink(backup) }
            throw error
        }
        return backup
    }

    /// Writes `contents` to `temporary` beside `target` with the old file's owner, mode and
    /// capabilities, flushes it, and renames it over `target`.
    private func replace(
        _ target: String, with contents: [UInt8], owner: (uid: UInt32, gid: UInt32, mode: UInt32),
        capabilities: [UInt8]?, temporary: String
    ) throws(SystemError) {
        if Syscalls.exists(temporary) { try Syscalls.unlink(temporary) }
        let fd = try Syscalls.open(temporary, flags: [.writeOnly, .create, .exclusive], mode: 0o600)
        do throws(SystemError) {
            try Syscalls.write(fd, contents, what: temporary)
            // Owner before mode: chown clears set-id bits. Capabilities last: chown clears them too.
            try Syscalls.setOwnerAndMode(
                fd, uid: owner.uid, gid: owner.gid, mode: owner.mode, path: temporary)
            if let capabilities {
                try Syscalls.setAttribute(
                    Syscalls.capabilityAttribute, capabilities, of: fd, path: temporary)
            }
            try Syscalls.sync(fd, path: temporary)
            fd.close()
        } catch {
            fd.close()
            try? Syscalls.unlink(temporary)
            throw error
        }
        // The switch on disk: one rename, so a concurrent start sees the old or the new file.
        do throws(SystemError) {
            try Syscalls.rename(temporary, to: target)
        } catch {
            try? Syscalls.unlink(temporary)
            throw error
        }
        Syscalls.syncDirectory(directoryOf(target))
    }

    /// The record of `patchID`, if `--persist` installed anything for it.
    func record(patchID: String) -> PersistRecord? {
        guard let bytes = try? Syscalls.readFile(recordPath(patchID)) else { return nil }
        let record = PersistRecord(patchID: patchID, text: String(decoding: bytes, as: UTF8.self))
        return record.entries.isEmpty ? nil : record
    }

    /// Every record on this host (what `status` reports).
    func allRecords() -> [PersistRecord] {
        let names = (try? Syscalls.listDirectory(stateDirectory + "/persist")) ?? []
        return names.filter { PatchID($0) != nil && !$0.hasPrefix(".") }.sorted().compactMap {
            record(patchID: $0)
        }
    }

    private func recordedEntry(patchID: String, path: String) -> PersistRecord.Entry? {
        record(patchID: patchID)?.entries.first { $0.path == path }
    }

    private func addToRecord(patchID: String, _ entry: PersistRecord.Entry) throws(SystemError) {
        var entries = record(patchID: patchID)?.entries.filter { $0.path != entry.path } ?? []
        entries.append(entry)
        try writeRecord(PersistRecord(patchID: patchID, entries: entries))
    }

    /// Writes (or, with no entries left, removes) a record, atomically.
    func writeRecord(_ record: PersistRecord) throws(SystemError) {
        let path = recordPath(record.patchID)
        if record.entries.isEmpty {
            if Syscalls.exists(path) { try Syscalls.unlink(path) }
            return
        }
        try Syscalls.makeDirectories(stateDirectory + "/persist", mode: 0o700)
        let temporary = stateDirectory + "/persist/." + record.patchID + ".new"
        let fd = try Syscalls.open(temporary, flags: [.writeOnly, .create, .truncate], mode: 0o640)
        do throws(SystemError) {
            try Syscalls.write(fd, Array(record.text.utf8), what: temporary)
            try Syscalls.sync(fd, path: temporary)
            fd.close()
        } catch {
            fd.close()
            throw error
        }
        try Syscalls.rename(temporary, to: path)
    }

    private func recordPath(_ patchID: String) -> String { stateDirectory + "/persist/" + patchID }

    func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
