import Shared

/// Tells the process's unwinder about a patch's `.eh_frame` (docs/PATCH-FORMAT.md, "Unwind
/// information"), so exceptions and `backtrace()` walk through patched frames.
///
/// libgcc's `_Unwind_Find_FDE` looks at objects registered with `__register_frame_info` before it
/// asks the dynamic linker, so the agent calls that function in the process (``RemoteCall``) with
/// the table and a `struct object` that lives in the patch memory's writable part (libgcc keeps it
/// in its list; nothing is allocated in the process). Revert calls `__deregister_frame_info`.
/// Each step is first written into the patch memory header, so another agent run knows where the
/// registration stands; an agent dead inside a call leaves `registering`/`deregistering`: the next
/// agent asks the unwinder (`_Unwind_Find_FDE` on the patch's code) and deregisters only what it
/// lists; when even that cannot tell, the memory is never freed (freeing memory the unwinder still
/// lists would crash the process at its next exception; keeping it costs a few pages).
struct UnwindRegistration {
    /// The process.
    let process: TargetProcess
    /// Its memory.
    let memory: RemoteMemory
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession

    /// libgcc_s's two functions in the process.
    struct Unwinder {
        /// `__register_frame_info`.
        let register: RemoteAddress
        /// `__deregister_frame_info`.
        let deregister: RemoteAddress
        /// `_Unwind_Find_FDE`: what the unwinder finds for a PC (the probe of an unknown state).
        let find: RemoteAddress?
    }

    /// The header's unwind record for a patch laid out with unwind info (trap written into the
    /// image); nil when the patch carries no `.eh_frame`.
    static func record(patch: PatchFile, layout: PatchLayout, base: RemoteAddress, image: inout [UInt8])
        -> PatchMemoryHeader.Unwind?
    {
        guard let trap = layout.trapOffset, let object = layout.unwindObjectOffset,
            let section = patch.sections.first(where: { $0.name == PatchBuilder.unwindSectionName }),
            let table = layout.sectionOffsets[section.index]
        else { return nil }
        image.replaceSubrange(Int(trap)..<Int(trap) + 2, with: RemoteCall.trapBytes)
        return .init(
            table: base.advanced(by: table), object: base.advanced(by: object), trap: base.advanced(by: trap),
            state: .unregistered)
    }

    /// Apply, after the image is written and before the commit: registers the table of the patch
    /// memory at `base`. Returns the state reached (`registered`, or `noUnwinder` for a process
    /// without libgcc_s). On failure, frees the memory when nothing can be registered and throws
    /// naming the step; when the call was cut short the memory stays (see the type's comment).
    func register(at base: RemoteAddress, size: UInt64) throws(AgentFailure) -> PatchMemoryHeader.State? {
        // Exited or exec'd while the memory was filled: say so (nothing of a new image is touched).
        try PatchMemoryRelease.checkStillMapped(
            base, memory: memory, verb: "register the patch's unwind information")
        guard var header = try readHeader(base), var unwind = header.unwind else { return nil }
        do {
            guard let unwinder = try findUnwinder() else {
                unwind.state = .noUnwinder
                try write(&header, unwind, at: base)
                return .noUnwinder
            }
            unwind.state = .registering
            try write(&header, unwind, at: base)
            _ = try call(
                unwinder.register, [unwind.table.rawValue, unwind.object.rawValue], "__register_frame_info",
                unwind)
        } catch {
            guard process.isAlive else {
                throw AgentFailure(
                    .processExited,
                    "\(process) exited while the agent registered the patch's unwind information; nothing was written"
                )
            }
            if unwind.state != .registering {
                try? PatchMemoryRelease(session: session).unmap(address: base, size: size, in: process)
            }
            throw AgentFailure(
                error.kind,
                "registering the patch's unwind information failed (\(error.message)); no entry was written"
                    + (unwind.state == .registering
                        ? "; the patch memory at \(base) stays mapped (inactive) because the unwinder may list it"
                        : ""))
        }
        unwind.state = .registered
        try write(&header, unwind, at: base)
        return .registered
    }

    /// Revert (after no thread can be in the patch's code) or clean-up: deregisters the table of
    /// the patch memory at `base` if it is registered. Throws, leaving the memory to be kept,
    /// when the registration state is unknown or deregistering fails.
    func deregister(at base: RemoteAddress) throws(AgentFailure) {
        guard var header = try readHeader(base), var unwind = header.unwind else { return }
        switch unwind.state {
        case .unregistered, .noUnwinder:
            return
        case .registering, .deregistering, .registered:
            break
        }
        guard let unwinder = try findUnwinder() else {
            throw AgentFailure(
                .failed, "\(process): the patch's unwind info is registered but libgcc_s is no longer mapped")
        }
        if unwind.state != .registered {
            // An agent died inside a call: ask the unwinder itself whether it lists the table.
            guard try probe(unwinder, header: header, base: base) else {
                unwind.state = .unregistered
                try write(&header, unwind, at: base)
                return
            }
        }
        unwind.state = .deregistering
        try write(&header, unwind, at: base)
        let returned = try call(
            unwinder.deregister, [unwind.table.rawValue], "__deregister_frame_info", unwind)
        guard returned == unwind.object.rawValue else {
            throw AgentFailure(
                .failed,
                "\(process): __deregister_frame_info returned \(RemoteAddress(returned)), not the patch's object at "
                    + "\(unwind.object); the memory stays mapped")
        }
        unwind.state = .unregistered
        try write(&header, unwind, at: base)
        try memory.write([UInt8](repeating: 0, count: Int(PatchLayout.unwindObjectSize)), at: unwind.object)
    }

    /// True when the unwinder finds an FDE inside this patch memory for the patch's first new
    /// function (`_Unwind_Find_FDE`, bases written to the scratch after the unwind object).
    /// Throws when it cannot tell: then the memory must stay.
    private func probe(_ unwinder: Unwinder, header: PatchMemoryHeader, base: RemoteAddress)
        throws(AgentFailure)
        -> Bool
    {
        guard let unwind = header.unwind, let find = unwinder.find, let entry = header.entries.first,
            entry.patched.count == 5, entry.patched[0] == 0xe9
        else {
            throw AgentFailure(
                .failed,
                "\(process): the unwind registration of the patch memory at \(base) is in an unknown state (an agent "
                    + "died while calling libgcc) and cannot be probed; the memory stays mapped so the unwinder never "
                    + "reads freed memory (make the patch with another --id to apply it again)")
        }
        var jump = ByteCursor(Array(entry.patched[1...4]))
        let displacement = jump.u32() ?? 0
        let pc = entry.address.rawValue &+ 5 &+ UInt64(bitPattern: Int64(Int32(bitPattern: displacement)))
        let scratch = unwind.object.advanced(by: PatchLayout.unwindScratchOffset)
        let fde = try call(find, [pc, scratch.rawValue], "_Unwind_Find_FDE", unwind)
        return fde >= base.rawValue && fde < base.rawValue + header.mappingSize
    }

    private func readHeader(_ base: RemoteAddress) throws(AgentFailure) -> PatchMemoryHeader? {
        try PatchMemoryHeader.read(at: base, memory: memory)
    }

    private func write(
        _ header: inout PatchMemoryHeader, _ unwind: PatchMemoryHeader.Unwind, at base: RemoteAddress
    )
        throws(AgentFailure)
    {
        header.unwind = unwind
        try memory.write(header.encoded(), at: base)
    }

    /// Runs `function` on one borrowed thread (preferring the main thread), choosing a moment
    /// when that thread is not inside libgcc_s itself (where it may hold the lock the call takes)
    /// nor in a system call malloc makes while it holds an arena lock (mmap, munmap, mprotect,
    /// brk, madvise: `__deregister_frame_info` may `free`). A heuristic, not a proof: a thread
    /// stopped between instructions inside malloc is not recognised (see docs/PATCH-FORMAT.md).
    private func call(
        _ function: RemoteAddress, _ arguments: [UInt64], _ name: String, _ unwind: PatchMemoryHeader.Unwind
    )
        throws(AgentFailure) -> UInt64
    {
        let unwinderRange = libgccRange()
        for attempt in 0..<200 {
            let stopped = try StoppedProcess.stopOne(
                process, step: "call", preferring: Tid(process.pid.rawValue), session: session)
            defer { stopped.resume() }
            guard let (tid, thread) = stopped.threads.first else {
                throw AgentFailure(.processExited, "\(process) exited while the agent was calling \(name)")
            }
            let rip = thread.registers.rip
            let inUnwinder = unwinderRange.map { $0.start.rawValue <= rip && rip < $0.end.rawValue } ?? false
            let inMallocCall =
                thread.registers.isInSystemCall
                && UnwindRegistration.mallocSystemCalls.contains(thread.registers.orig_rax)
            if inUnwinder || inMallocCall, attempt < 199 {
                stopped.resume()
                Syscalls.sleep(nanoseconds: 1_000_000)
                continue
            }
            return try RemoteCall(process: process, trap: unwind.trap).call(
                function, arguments, name: name, on: tid, of: stopped, memory: memory)
        }
        throw AgentFailure(.failed, "\(process): no moment found to call \(name)")
    }

    /// mmap, mprotect, munmap, brk, madvise (x86-64 numbers).
    private static let mallocSystemCalls: Set<UInt64> = [9, 10, 11, 12, 28]

    private func libgccModule() throws(AgentFailure) -> LoadedModule? {
        let modules = LoadedModule.all(in: process, mappings: try process.mappings())
        return modules.first { module in
            module.path.split(separator: "/").last.map { $0.hasPrefix("libgcc_s.so") } ?? false
        }
    }

    private func libgccRange() -> (start: RemoteAddress, end: RemoteAddress)? {
        guard let module = try? libgccModule() else { return nil }
        return (module.start, module.end)
    }

    /// libgcc_s's registration functions, from its `.dynsym`; nil when the process has none.
    func findUnwinder() throws(AgentFailure) -> Unwinder? {
        guard let module = try libgccModule() else { return nil }
        let symbols: [ELFSymbol]
        do {
            symbols = try ELFFile(bytes: try module.fileBytes()).dynamicSymbols() ?? []
        } catch let failure as AgentFailure {
            throw failure
        } catch {
            throw AgentFailure(.failed, "\(process): cannot read the symbols of \(module.path): \(error)")
        }
        let bias = try module.bias(memory: memory)
        func address(_ name: String) -> RemoteAddress? {
            symbols.first { $0.name == name && $0.isDefined && $0.type == .function }
                .map { RemoteAddress($0.value &+ bias) }
        }
        guard let register = address("__register_frame_info"),
            let deregister = address("__deregister_frame_info")
        else {
            throw AgentFailure(
                .failed, "\(process): \(module.path) exports no __register_frame_info/__deregister_frame_info"
            )
        }
        return Unwinder(register: register, deregister: deregister, find: address("_Unwind_Find_FDE"))
    }
}

extension PatchMemoryHeader {
    /// Where an unwind registration stands (shorthand).
    typealias State = Unwind.State
}

extension PatchMemoryHeader.Unwind.State {
    /// What `status` says about it.
    var summary: String {
        switch self {
        case .unregistered: return "not registered"
        case .registering: return "unknown (an agent died while registering)"
        case .registered: return "registered"
        case .deregistering: return "unknown (an agent died while deregistering)"
        case .noUnwinder: return "not registered (no libgcc_s in the process)"
        }
    }
}
