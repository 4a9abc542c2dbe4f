import Shared

extension BinaryInstaller {
    /// Puts back every file `--persist` installed for `patchID`, but only where the file on disk
    /// is still the fixed build it installed: a file someone replaced since is theirs, and is
    /// left as is (said in the entry). Empty when nothing was installed for the patch.
    func restore(patchID: String) -> [DiskFileReport] {
        guard var record = record(patchID: patchID) else { return [] }
        var reports: [DiskFileReport] = []
        for entry in record.entries {
            let report = restore(entry, patchID: patchID)
            reports.append(report)
            if report.action == .restored { record.entries.removeAll { $0.path == entry.path } }
        }
        // Entries left in place stay recorded, so status keeps naming them and the backup.
        do throws(SystemError) {
            try writeRecord(record)
        } catch {
            for index in reports.indices where reports[index].action == .restored {
                reports[index].message = "restored, but the persist record could not be updated: \(error)"
            }
        }
        return reports
    }

    private func restore(_ entry: PersistRecord.Entry, patchID: String) -> DiskFileReport {
        var report = DiskFileReport(
            path: entry.path, action: .failed, installedBuildID: entry.installed?.hex,
            replacedBuildID: entry.replaced?.hex, patchID: patchID, backup: entry.backup)
        let onDisk = DiskBuild(path: entry.path)
        report.buildID = onDisk.buildID?.hex
        // The old build on disk already (the install was interrupted before its rename, or
        // someone put it back): only the backup name is left to remove.
        if let replaced = entry.replaced, onDisk.buildID == replaced {
            try? Syscalls.unlink(entry.backup)
            report.action = .restored
            return report
        }
        if let installed = entry.installed, onDisk.buildID != installed {
            report.action = .leftInPlace
            report.message =
                "\(entry.path) on disk is \(onDisk.text), not the fixed build \(installed.hex) that --persist "
                + "installed: someone replaced it since; left as is (the old build is still at \(entry.backup))"
            return report
        }
        do throws(SystemError) {
            try Syscalls.rename(entry.backup, to: entry.path)
            Syscalls.syncDirectory(directoryOf(entry.path))
            report.action = .restored
            report.buildID = DiskBuild(path: entry.path).buildID?.hex
        } catch {
            report.message =
                "could not put the backup \(entry.backup) back over \(entry.path): \(error); move it back by hand"
        }
        return report
    }

    /// What is on disk at `paths` and at every file a persist record names: the build-id, and
    /// for recorded files which builds `--persist` swapped there.
    func inspect(paths: [String]) -> [DiskFileReport] {
        let entries = allRecords().flatMap { record in record.entries.map { (record.patchID, $0) } }
        var seen: Set<String> = []
        var reports: [DiskFileReport] = []
        for path in paths + entries.map(\.1.path) where seen.insert(path).inserted {
            let onDisk = DiskBuild(path: path)
            var report = DiskFileReport(path: path, action: .inspected, buildID: onDisk.buildID?.hex)
            if onDisk.buildID == nil { report.message = onDisk.text }
            if let (patchID, entry) = entries.last(where: { $0.1.path == path }) {
                report.patchID = patchID
                report.installedBuildID = entry.installed?.hex
                report.replacedBuildID = entry.replaced?.hex
                report.backup = entry.backup
            }
            reports.append(report)
        }
        return reports
    }
}
