import Shared

/// Turns `--pid`, `--exe` and `--all` into processes. Pids that do not exist become failed
/// entries (named, with what to do); `--exe` and `--all` skip processes that vanish while listed.
struct TargetSelector {
    /// The processes found, and entries for pids that could not be used.
    struct Selection {
        /// Processes to work on.
        var targets: [TargetProcess] = []
        /// Pids named on the command line that are not usable processes.
        var failures: [ProcessReport] = []
        /// How many processes could not be read (permission) while searching.
        var unreadable = 0
    }

    /// The selection from the command line.
    let selection: TargetSelection

    /// Processes that map the module with `buildID` (for `--all`), or the named ones.
    func processes(mapping buildID: BuildID?, holding patchID: String? = nil) -> Selection {
        switch selection {
        case .pids(let pids):
            var result = Selection()
            for pid in pids {
                do {
                    result.targets.append(try TargetProcess(pid: pid))
                } catch {
                    result.failures.append(
                        ProcessReport(
                            pid: pid, startTime: 0, executable: "", outcome: .failed,
                            error: error.processError))
                }
            }
            return result
        case .executable(let path):
            let real = (try? Syscalls.realPath(path)) ?? path
            return search { process, mappings, _ in
                mappings.contains { $0.path == real || $0.path == path }
            }
        case .all:
            var cache: [String: BuildID?] = [:]
            return search { process, mappings, memory in
                if let buildID {
                    for module in LoadedModule.all(in: process, mappings: mappings) {
                        let key = "\(module.inode):\(module.path)"
                        if cache[key] == nil { cache[key] = .some(try? module.buildID(memory: memory)) }
                        if cache[key]! == buildID { return true }
                    }
                    return false
                }
                let patches =
                    (try? PatchMemoryScanner.scan(process, memory: memory, mappings: mappings)) ?? []
                return patches.contains { patchID == nil || $0.header.patchID == patchID }
            }
        }
    }

    private func search(_ matches: (TargetProcess, [MemoryMapping], RemoteMemory) -> Bool) -> Selection {
        var result = Selection()
        for process in TargetProcess.all() {
            guard let mappings = try? process.mappings(), let memory = try? RemoteMemory(process) else {
                result.unreadable += 1
                continue
            }
            if matches(process, mappings, memory) { result.targets.append(process) }
        }
        return result
    }
}
