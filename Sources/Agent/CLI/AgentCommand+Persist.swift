import Shared

/// The disk half of apply, revert and status: `--persist` installs, revert restores, status
/// reads. Each file is its own entry; a refusal on one file never undoes the live patch.
extension AgentCommand {
    /// Installs `fixed` over each of `paths` (the files the patched processes were started
    /// from: processes started from different paths each get theirs, each checked on its own),
    /// journals each, and returns the entries with the first failure, if any, as the command's.
    func persist(_ fixed: String, at paths: [String], patch: PatchFile, journal: Journal)
        -> (files: [DiskFileReport], failure: AgentFailure?)
    {
        let installer = BinaryInstaller(stateDirectory: options.stateDirectory)
        let files = paths.map {
            installer.install(fixed, over: $0, patchID: patch.id.rawValue, expected: patch.targetBuildID)
        }
        for file in files { journal.record("persist", Self.journalFields(file)) }
        return (files, Self.failure(of: files))
    }

    /// Puts back what `--persist` installed for `patchID` (where the file is still the fixed
    /// build), journals each file, and returns the entries with the first failure, if any.
    func restore(patchID: String, journal: Journal) -> (files: [DiskFileReport], failure: AgentFailure?) {
        let files = BinaryInstaller(stateDirectory: options.stateDirectory).restore(patchID: patchID)
        for file in files { journal.record("unpersist", Self.journalFields(file)) }
        return (files, Self.failure(of: files))
    }

    /// For `status`: the file `--exe` names and every file a persist record names, as they are
    /// on disk now; nil when there is none.
    func filesOnDisk() -> [DiskFileReport]? {
        var paths: [String] = []
        if case .executable(let path) = options.selection { paths.append(path) }
        let files = BinaryInstaller(stateDirectory: options.stateDirectory).inspect(paths: paths)
        return files.isEmpty ? nil : files
    }

    /// The command's failure for the first file that was refused or failed.
    private static func failure(of files: [DiskFileReport]) -> AgentFailure? {
        guard let bad = files.first(where: { !$0.action.isSuccess }) else { return nil }
        let message = bad.message ?? "\(bad.path): \(bad.action.rawValue)"
        if bad.action == .refused { return AgentFailure(.targetMismatch, message) }
        return AgentFailure(message.hasPrefix("permission denied") ? .permission : .failed, message)
    }

    private static func journalFields(_ file: DiskFileReport) -> [(String, String)] {
        var fields = [("patch", file.patchID ?? ""), ("path", file.path), ("action", file.action.rawValue)]
        if let build = file.buildID { fields.append(("build", build)) }
        if let backup = file.backup { fields.append(("backup", backup)) }
        if let message = file.message { fields.append(("message", message)) }
        return fields
    }
}
