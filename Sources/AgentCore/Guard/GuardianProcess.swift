import Shared

/// The guardian's side (see ``Guardian``): sleeps until the agent's end of the lifeline pipe
/// closes; then, if the ``GuardBoard`` still shows a window open, waits until the kernel has
/// detached the dead agent's threads, repairs the target, continues it and journals what it did.
/// Never returns.
struct GuardianProcess {
    /// The agent's pid (the tracer whose death ends the wait).
    let agent: Pid
    /// The lifeline pipe's read end: end of file when the agent is gone.
    let lifeline: FileDescriptor
    /// The window the agent left, read once it is gone.
    let board: GuardBoard
    /// Where the journal is.
    let stateDirectory: String

    /// Leaves the caller's session and descriptors (see ``Syscalls/detachFromCaller(keeping:)``).
    func detach() {
        Syscalls.detachFromCaller(keeping: lifeline)
    }

    /// The guardian's main loop: one blocking read, which returns when the agent exits.
    func run() -> Never {
        while let chunk = try? Syscalls.read(lifeline, count: 1), !chunk.isEmpty {}
        // End of file: the agent exited. With no window open there is nothing to do.
        if let (open, settled) = board.lastWindow() {
            let fields = repair(open, settled: settled)
            if let journal = try? Journal(directory: stateDirectory) {
                journal.record("guard-repair", fields)
            }
        }
        if let lowered = board.loweredThread() {
            let fields = restorePriority(lowered.tid, of: lowered.process, to: lowered.nice)
            if let journal = try? Journal(directory: stateDirectory) {
                journal.record("guard-priority", fields)
            }
        }
        Syscalls.exit(0)
    }

    /// Puts back the nice value of a thread the agent borrowed (``BorrowedThreadPriority``).
    private func restorePriority(_ tid: Tid, of identity: ProcessIdentity, to nice: Int32) -> [(String, String)] {
        let fields = [("pid", "\(identity.pid)"), ("tid", "\(tid)"), ("nice", "\(nice)")]
        guard let process = try? TargetProcess(pid: identity.pid), process.identity == identity,
            Syscalls.exists("/proc/\(identity.pid)/task/\(tid)")
        else { return fields + [("result", "target-gone")] }
        return fields + [("result", Syscalls.setNiceValue(nice, of: tid) ? "priority-restored" : "priority-not-restored")]
    }

    /// Repairs the target for `intent`; returns journal fields saying what was done.
    private func repair(_ intent: GuardIntent, settled: Bool) -> [(String, String)] {
        let identity = intent.process
        var fields: [(String, String)] = [("pid", "\(identity.pid)"), ("start", "\(identity.startTime)")]
        guard let process = try? TargetProcess(pid: identity.pid), process.identity == identity else {
            return fields + [("result", "target-gone")]
        }
        waitUntilUntraced(process)
        var result: String
        switch intent {
        case .registers(_, let tid, let saved):
            fields += [("window", "injected-call"), ("tid", "\(tid)")]
            result =
                settled ? "registers-already-restored" : restoreRegisters(process, tid: tid, saved: saved)
        case .writes(_, let what, let writes):
            fields += [("window", what), ("entries", "\(writes.count)")]
            result = settleWrites(process, writes)
        }
        // Lift the net: the group stop (or the still pending SIGSTOP) ends here.
        try? Syscalls.signalProcess(process.pid, .continue)
        return fields + [("result", result)]
    }

    /// Waits (up to 10 s) until no thread of the process is traced by the dead agent: the kernel
    /// detaches them in the agent's exit, after its descriptors (our end of file) are closed.
    private func waitUntilUntraced(_ process: TargetProcess) {
        for _ in 0..<10_000 {
            let tids = (try? process.threads()) ?? []
            let traced = tids.contains { tid in
                guard let bytes = try? Syscalls.readFile("/proc/\(process.pid)/task/\(tid)/status") else {
                    return false
                }
                return String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains {
                    $0.hasPrefix("TracerPid:")
                        && Int32($0.dropFirst("TracerPid:".count).trimmingSpaces) == agent.rawValue
                }
            }
            if !traced { return }
            Syscalls.sleep(nanoseconds: 1_000_000)
        }
    }

    /// Puts the borrowed thread's own registers back: seize it (it is in the group stop, or about
    /// to enter it with the SIGSTOP still pending), write them, detach.
    private func restoreRegisters(_ process: TargetProcess, tid: Tid, saved: [UInt8]) -> String {
        guard let registers = Registers(rawBytes: saved) else { return "bad-record" }
        do {
            try Syscalls.seize(tid)
            try Syscalls.interrupt(tid)
            guard case .stopped = Syscalls.decode(try Syscalls.wait(tid)) else { return "thread-gone" }
            try Syscalls.setRegisters(registers, of: tid)
            try Syscalls.detach(tid, signal: 0)
            return "registers-restored"
        } catch {
            return "registers-not-restored: \(error)"
        }
    }

    /// All or nothing: every entry already holds its new bytes (the commit finished): leave it;
    /// otherwise put the old bytes back wherever the new ones landed.
    private func settleWrites(_ process: TargetProcess, _ writes: [GuardIntent.Write]) -> String {
        guard let memory = try? RemoteMemory(process) else { return "memory-unreadable" }
        let current = writes.map { (try? memory.read($0.address, count: $0.to.count)) ?? [] }
        if zip(writes, current).allSatisfy({ $0.to == $1 }) { return "forward-complete" }
        var rolledBack = 0
        for (write, now) in zip(writes, current) where now == write.to {
            if (try? memory.write(write.from, at: write.address)) != nil { rolledBack += 1 }
        }
        return rolledBack == 0 ? "nothing-written" : "rolled-back-\(rolledBack)-of-\(writes.count)"
    }
}
