import Shared

/// The disk half of apply, revert and status: `--persist` installs, revert restores, status
/// reads. Each file is its own entry; a refusal on one file never undoes the live patch.
extension AgentCommand {
    /// Where a fixed build would go for one patched process, or why not there.
    struct PersistTarget: Equatable {
        /// The file the process's target module is mapped from.
        let path: String
        /// Why this agent must not install there, or nil.
        let refusal: String?
    }

    /// The file `process` was started from (its target module's path, from its maps). A process
    /// in another mount namespace (a container) sees another file at that path than the agent
    /// does, so installing here would change the wrong file: refused for that process.
    func persistTarget(_ process: TargetProcess, patch: PatchFile) -> PersistTarget? {
        let path: String
        do throws(AgentFailure) {
            let memory = try RemoteMemory(process)
            let modules = LoadedModule.all(in: process, mappings: try process.mappings())
            let target = try MappedTargetModule.find(
                patch.targetBuildID, pathHint: patch.targetPathHint, in: modules, memory: memory)
            path =
                target.module.path.hasSuffix(" (deleted)")
                ? String(target.module.path.dropLast(" (deleted)".count)) : target.module.path
        } catch {
            return nil
        }
        let mine = try? Syscalls.readLink("/proc/self/ns/mnt")
        let theirs = try? Syscalls.readLink("/proc/\(process.pid)/ns/mnt")
        guard let mine, let theirs, mine != theirs else { return PersistTarget(path: path, refusal: nil) }
        return PersistTarget(
            path: path,
            refusal: "pid \(process.pid) runs in another mount namespace (\(theirs), a container?): \(path) "
                + "there is not the agent's \(path); not installed, put the fixed build in its image")
    }

    /// Installs `fixed` over each target's file (the files the patched processes were started
    /// from: processes started from different paths each get theirs, each checked on its own),
    /// journals each, and returns the entries with the first failure, if any, as the command's.
    func persist(_ fixed: String, at targets: [PersistTarget], patch: PatchFile, journal: Journal)
        -> (files: [DiskFileReport], failure: AgentFailure?)
    {
        let installer = BinaryInstaller(stateDirectory: options.stateDirectory)
        let files = targets.map { target in
            guard let refusal = target.refusal else {
                return installer.install(
                    fixed, over: target.path, patchID: patch.id.rawValue, expected: patch.targetBuildID)
            }
            return DiskFileReport(
                path: target.path, action: .refused, patchID: patch.id.rawValue, message: refusal)
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
