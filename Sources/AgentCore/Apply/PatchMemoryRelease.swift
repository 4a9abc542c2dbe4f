import Shared

/// Frees patch memory in a process (injected `munmap`).
struct PatchMemoryRelease {
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession

    /// Unmaps a patch found by the scanner, its unwind info deregistered first (no thread may be
    /// in its code and no entry may lead there).
    func unmap(_ patch: PatchInMemory, in process: TargetProcess) throws(AgentFailure) {
        try UnwindRegistration(process: process, memory: try RemoteMemory(process), session: session).deregister(
            at: patch.address)
        try unmap(address: patch.address, size: patch.header.mappingSize, in: process)
    }

    /// Inside a stop, before any entry is written: the patch memory is still where it was put.
    /// It is gone when the process exec'd (a new image: nothing of it may be touched) or exited.
    static func checkStillMapped(_ address: RemoteAddress, memory: RemoteMemory, verb: String)
        throws(AgentFailure)
    {
        if let magic = try? memory.read(address, count: 8), magic == PatchMemoryHeader.magic { return }
        let process = memory.process
        guard process.isAlive else {
            throw AgentFailure(
                .processExited, "\(process) exited while the agent was about to \(verb); nothing was written")
        }
        throw AgentFailure(
            .processExited,
            "\(process) exec'd a new program (now \(currentExecutable(process))) while the agent was about to "
                + "\(verb); the new program was not touched. Run status, and apply again if it still needs the patch"
        )
    }

    private static func currentExecutable(_ process: TargetProcess) -> String {
        (try? Syscalls.readLink("/proc/\(process.pid)/exe")) ?? "unknown"
    }

    /// Unmaps `size` bytes at `address`.
    func unmap(address: RemoteAddress, size: UInt64, in process: TargetProcess) throws(AgentFailure) {
        let memory = try RemoteMemory(process)
        let gadget = try SyscallGadget.find(in: process, memory: memory)
        let stopped = try StoppedProcess.stopOne(
            process, step: "munmap", preferring: Tid(process.pid.rawValue), session: session)
        defer { stopped.resume() }
        guard let tid = stopped.threads.keys.first else { return }
        session.failpoints.reached(.afterAttach)
        try RemoteSyscall(process: process, gadget: gadget).unmap(address, size: size, on: tid, of: stopped)
    }
}
