import Shared

/// The last line of defence, for when the agent AND its guardian died inside a commit: the net
/// left the process group-stopped (it runs none of its own code) with a patch half written. Every
/// agent command looks for exactly that before doing anything else and repairs it: every entry
/// back to its original bytes (a whole, unpatched process: what an interrupted apply had before,
/// and what an interrupted revert was making), then SIGCONT.
enum TornCommitRepair {
    /// Repairs `process` if it is group-stopped with a torn patch; returns what was done (for the
    /// report and the journal), nil when there was nothing to repair.
    static func repairIfNeeded(_ process: TargetProcess, memory: RemoteMemory) -> String? {
        guard isGroupStopped(process),
            let patches = try? PatchMemoryScanner.scan(process, memory: memory, mappings: process.mappings())
        else { return nil }
        let torn = patches.filter(\.isTorn)
        guard !torn.isEmpty else { return nil }
        var restored = 0
        for patch in torn {
            for (index, entry) in patch.header.entries.enumerated()
            where patch.state(ofEntry: index) == .active {
                if (try? memory.write(entry.original, at: entry.address)) != nil { restored += 1 }
            }
        }
        try? Syscalls.signalProcess(process.pid, .continue)  // ends the net's group stop
        return
            "\(process) was left group-stopped with patch \(torn.map(\.header.patchID).joined(separator: ", ")) "
            + "half written (an agent and its guardian died inside a commit): \(restored) entries were put back "
            + "to their original bytes and the process continued; it runs unpatched. Apply again if it needs the patch"
    }

    /// Every thread in a group stop (`T`) and none traced: what the net leaves behind.
    private static func isGroupStopped(_ process: TargetProcess) -> Bool {
        guard let tids = try? process.threads(), !tids.isEmpty else { return false }
        return tids.allSatisfy { tid in
            guard let bytes = try? Syscalls.readFile("/proc/\(process.pid)/task/\(tid)/status") else {
                return false
            }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            // `hasPrefix`, not `contains`: `StringProtocol.contains(_:)` links the regex engine (+1.4 MB).
            let stopped = lines.contains {
                $0.hasPrefix("State:") && $0.dropFirst(6).trimmingSpaces.hasPrefix("T (stopped)")
            }
            let untraced = lines.contains {
                $0.hasPrefix("TracerPid:") && $0.dropFirst(10).trimmingSpaces == "0"
            }
            return stopped && untraced
        }
    }
}
