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
        let readExecute: MemoryProtection = hasCode ? [.read, .execute] : .read
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
                    protection: [.read, .write], on: tid, of: stopped)
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
