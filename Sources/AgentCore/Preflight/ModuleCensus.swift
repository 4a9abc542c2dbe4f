import Shared

/// Which processes map the patch's target build, and which map another build of the same file:
/// found by the build-id in each mapped module's ELF note (read from the mapping, the way
/// `apply --all` selects), never by path. Reads /proc only; attaches to nothing.
struct ModuleCensus {
    /// Processes mapping the target build-id.
    var targets: [PreflightProcess] = []
    /// Processes mapping a module of the target's file name with another build-id.
    var otherBuilds: [PreflightProcess] = []
    /// Processes whose maps or memory could not be read.
    var unreadable: [TargetProcess] = []

    /// The patch's target path hint.
    let targetPathHint: String

    /// Looks at every process of the host.
    init(buildID: BuildID, pathHint: String) {
        targetPathHint = pathHint
        let name = Self.fileName(pathHint)
        var cache: [String: BuildID?] = [:]
        for process in TargetProcess.all() {
            let mappings = try? process.mappings()
            // Kernel threads map nothing: neither a target nor hidden from us.
            if mappings?.isEmpty == true { continue }
            guard let mappings, let memory = try? RemoteMemory(process) else {
                unreadable.append(process)
                continue
            }
            var other: PreflightProcess?
            var matched = false
            for module in LoadedModule.all(in: process, mappings: mappings) {
                let key = "\(module.inode):\(module.path)"
                if cache[key] == nil { cache[key] = .some(try? module.buildID(memory: memory)) }
                let found = cache[key]!
                if found == buildID {
                    targets.append(Self.entry(process, module, found))
                    matched = true
                    break
                }
                if other == nil, Self.fileName(Self.withoutDeleted(module.path)) == name {
                    other = Self.entry(process, module, found)
                }
            }
            if !matched, let other { otherBuilds.append(other) }
        }
    }

    private static func entry(_ process: TargetProcess, _ module: LoadedModule, _ id: BuildID?)
        -> PreflightProcess
    {
        PreflightProcess(
            pid: process.pid, startTime: process.identity.startTime, executable: process.executable,
            module: module.path, buildID: id?.hex ?? "none")
    }

    /// The last component of a path.
    static func fileName(_ path: String) -> Substring {
        path.split(separator: "/").last ?? Substring(path)
    }

    private static func withoutDeleted(_ path: String) -> String {
        path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }
}
