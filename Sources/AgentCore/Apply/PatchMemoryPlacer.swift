import Shared

/// Maps patch memory into a process near its target module by injecting `mmap` (and `mprotect`)
/// into one thread, then writes the image. Only that one thread stops, and only for the two
/// system calls; the others keep running.
///
/// The image is computed and written after that thread is let go: `/proc/PID/mem` writes are
/// forced (as a debugger's) and need neither a held thread nor write permission on the mapping,
/// and no code of the process can reach the new memory before the commit writes an entry. So the
/// borrowed thread is held for two system calls, not for relocating and writing the image.
struct PatchMemoryPlacer {
    /// The process.
    let process: TargetProcess
    /// Its memory.
    let memory: RemoteMemory
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession

    /// Maps `layout.totalSize` bytes near `module`, protects them (code read+execute, data
    /// read+write), fills them with `fill(base)`; returns the base. Leaves nothing mapped on failure.
    func place(
        layout: PatchLayout, near module: LoadedModule, mappings: [MemoryMapping],
        fill: (RemoteAddress) throws(AgentFailure) -> [UInt8]
    ) throws(AgentFailure) -> RemoteAddress {
        let gadget = try SyscallGadget.find(in: process, memory: memory)
        let syscall = RemoteSyscall(process: process, gadget: gadget)
        let candidates = PatchPlacement.candidates(
            size: layout.totalSize, near: (module.start, module.end), mappings: mappings)
        // Map: one short stop of one thread for mmap and mprotect.
        let base = try mapAndProtect(layout: layout, near: module, candidates: candidates, syscall: syscall)
        // Fill: relocate and write the image while every thread runs.
        do {
            try memory.write(try fill(base), at: base)
            session.failpoints.reached(.afterFill)
        } catch {
            // Exec'd or exited since the mapping was made: the memory went with the old image, and
            // nothing of a new one may be touched (not even to unmap).
            if (try? memory.read(base, count: 1)) == nil {
                try PatchMemoryRelease.checkStillMapped(base, memory: memory, verb: "fill the patch memory")
            }
            _ = try? PatchMemoryRelease(session: session).unmap(address: base, size: layout.totalSize, in: process)
            guard process.isAlive else {
                throw AgentFailure(
                    .processExited,
                    "\(process) exited while the agent was filling patch memory; nothing was written")
            }
            throw error
        }
        return base
    }

    /// The one injected step: maps the first free candidate read+execute (read-only when the
    /// patch has no code) and makes the data part read+write; returns the base.
    private func mapAndProtect(
        layout: PatchLayout, near module: LoadedModule, candidates: [RemoteAddress], syscall: RemoteSyscall
    ) throws(AgentFailure) -> RemoteAddress {
        let stopped = try StoppedProcess.stopOne(
            process, step: "mmap", preferring: Tid(process.pid.rawValue), session: session)
        defer { stopped.resume() }
        guard let tid = stopped.threads.keys.first else {
            throw AgentFailure(.processExited, "\(process) exited while the agent was mapping patch memory")
        }
        session.failpoints.reached(.afterAttach)
        let hasCode = !layout.sectionOffsets.isEmpty
        let readExecute: UInt64 = hasCode ? 0x1 | 0x4 : 0x1
        var base: RemoteAddress? = nil
        for candidate in candidates.prefix(16) {
            base = try syscall.mapAnonymous(
                at: candidate, size: layout.totalSize, protection: readExecute, on: tid, of: stopped)
            if base != nil { break }
        }
        guard let base else {
            throw AgentFailure(
                .failed,
                "\(process): no free address range of \(layout.totalSize) bytes within +-2 GiB of \(module.path) "
                    + "(tried \(min(candidates.count, 16))); nothing was written")
        }
        session.failpoints.reached(.afterMmap)
        do {
            if layout.totalSize > layout.executableSize {
                try syscall.protect(
                    base.advanced(by: layout.executableSize), size: layout.totalSize - layout.executableSize,
                    protection: 0x1 | 0x2, on: tid, of: stopped)
            }
            session.failpoints.reached(.afterProtect)
        } catch {
            _ = try? syscall.unmap(base, size: layout.totalSize, on: tid, of: stopped)
            guard process.isAlive else {
                throw AgentFailure(
                    .processExited,
                    "\(process) exited while the agent was mapping patch memory; nothing was written")
            }
            throw error
        }
        return base
    }
}

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

/// Writes or restores a patch's entries inside a stop: all of them or none.
struct EntryWriter {
    /// The command's failpoints (`between-writes`).
    let failpoints: Failpoints

    /// Checks that every entry still holds what it held when planned, then writes the patched
    /// (or, with `patched: false`, the original) bytes. Restores what it wrote if a write fails.
    func write(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory, patched: Bool)
        throws(AgentFailure)
    {
        for entry in entries {
            let expected = patched ? entry.original : entry.patched
            let current = try memory.read(entry.address, count: expected.count)
            guard current == expected else {
                throw AgentFailure(
                    .targetMismatch,
                    "\(memory.process): bytes at \(entry.address) (\(entry.symbol)) changed to "
                        + "\(HexDigits.encode(current)) while the agent worked (expected \(HexDigits.encode(expected))); "
                        + "another tool is patching this process; nothing was written")
            }
        }
        var written: [PatchMemoryHeader.Entry] = []
        for entry in entries {
            if !written.isEmpty { failpoints.reached(.betweenWrites) }
            do {
                try memory.write(patched ? entry.patched : entry.original, at: entry.address)
                written.append(entry)
            } catch {
                for done in written.reversed() {
                    try? memory.write(patched ? done.original : done.patched, at: done.address)
                }
                throw error
            }
        }
    }

    /// Puts the original bytes back (the undo of ``write`` with `patched: true`).
    static func restore(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory) {
        for entry in entries.reversed() { try? memory.write(entry.original, at: entry.address) }
    }

    /// Puts the patched bytes back (the undo of ``write`` with `patched: false`).
    static func reapply(_ entries: [PatchMemoryHeader.Entry], memory: RemoteMemory) {
        for entry in entries.reversed() { try? memory.write(entry.patched, at: entry.address) }
    }
}
