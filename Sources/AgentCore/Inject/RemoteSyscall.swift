import Shared

/// Runs system calls inside the target by borrowing one stopped thread: its registers are
/// saved, pointed at a `syscall` instruction with the call's arguments, single-stepped once,
/// and restored exactly — `orig_rax` included, so a thread that was blocked in a system call
/// of its own has that call restarted by the kernel when it resumes, as if never disturbed.
struct RemoteSyscall {
    /// The process whose thread is borrowed.
    let process: TargetProcess
    /// Where a `syscall` instruction is.
    let gadget: RemoteAddress

    /// `mmap`, `munmap`, `mprotect` (x86-64 numbers).
    enum Number: UInt64 {
        case mmap = 9
        case mprotect = 10
        case munmap = 11

        /// The call's name, spelled out: `"\(number)"` would ask the runtime's reflection, which
        /// costs ~0.2 ms the first time, inside the hold.
        var name: StaticString {
            switch self {
            case .mmap: "mmap"
            case .mprotect: "mprotect"
            case .munmap: "munmap"
            }
        }
    }

    /// Runs one call on a thread held by `stopped`; returns the kernel's result (negative errno on failure).
    func call(_ number: Number, _ arguments: [UInt64], on tid: Tid, of stopped: StoppedProcess)
        throws(AgentFailure)
        -> Int64
    {
        guard let thread = stopped.threads[tid] else {
            throw AgentFailure(.failed, "\(process): tid \(tid) is not stopped; cannot run \(number) in it")
        }
        let saved = thread.registers
        var regs = saved
        regs.rax = number.rawValue
        let padded = arguments + [UInt64](repeating: 0, count: 6 - arguments.count)
        (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9) =
            (padded[0], padded[1], padded[2], padded[3], padded[4], padded[5])
        regs.rip = gadget.rawValue
        // orig_rax = -1: the kernel must not treat the borrowed thread's own interrupted call as
        // one to restart while it runs ours.
        regs.orig_rax = UInt64.max
        let after = try stopped.withBorrowedRegisters(
            of: tid, saved: saved, borrowed: regs, set: .afterHijackSetRegisters, returned: .afterSyscallStep
        ) { () throws(AgentFailure) in
            let after = try stepOverSyscall(tid, stopped: stopped)
            stopped.mark(number.name)
            try park(tid, stopped: stopped)
            stopped.mark("park")
            return after
        }
        guard after.rip == gadget.rawValue + 2 else {
            throw AgentFailure(
                .failed,
                "\(process): tid \(tid) ended at \(RemoteAddress(after.rip)) instead of after the syscall at \(gadget)"
            )
        }
        return after.signedResult
    }

    /// Leaves the stepped thread in a harmless interrupt stop (``StoppedProcess/park(_:droppingNetStop:)``).
    private func park(_ tid: Tid, stopped: StoppedProcess) throws(AgentFailure) {
        let parked: Bool
        do {
            parked = try stopped.park(tid, droppingNetStop: true)
        } catch {
            throw AgentFailure(.failed, "\(process): parking tid \(tid) after an injected call failed: \(error)")
        }
        if !parked { throw AgentFailure(.processExited, "\(process): tid \(tid) exited after an injected call") }
    }

    private func stepOverSyscall(_ tid: Tid, stopped: StoppedProcess) throws(AgentFailure) -> Registers {
        while true {
            do {
                try Syscalls.singleStep(tid)
                switch Syscalls.decode(try Syscalls.wait(tid)) {
                case .exited, .killed:
                    stopped.threadExited(tid)
                    throw AgentFailure(
                        .processExited, "\(process): tid \(tid) exited while running an injected call")
                case .stopped(let signal, let event):
                    // SIGTRAP with no event: the step over the syscall is done.
                    if signal == Signal.trap.rawValue && event == 0 { return try Syscalls.registers(of: tid) }
                    // The net's own SIGSTOP, taken before the step: drop it (the guardian re-arms).
                    // A signal of the program's own arrived first: keep it for later and step again.
                    if event == 0 && signal != Signal.stop.rawValue { stopped.addPendingSignal(signal, to: tid) }
                }
            } catch let error as SystemError {
                throw AgentFailure(.failed, "\(process): single-stepping tid \(tid) failed: \(error)")
            } catch {
                throw error as! AgentFailure
            }
        }
    }
}

extension RemoteSyscall {
    /// `mmap` anonymous private memory exactly at `address` (never replacing anything there).
    func mapAnonymous(
        at address: RemoteAddress, size: UInt64, protection: MemoryProtection, on tid: Tid, of stopped: StoppedProcess
    )
        throws(AgentFailure) -> RemoteAddress?
    {
        let flags: MappingFlags = [.private, .anonymous, .fixedNoReplace]
        let result = try call(
            .mmap, [address.rawValue, size, protection.rawValue, flags.rawValue, UInt64.max, 0], on: tid, of: stopped)
        if result < 0 && result > -4096 { return nil }
        let mapped = RemoteAddress(UInt64(bitPattern: result))
        if mapped != address {
            // A kernel older than 4.17 took the address as a hint: give it back and report failure.
            _ = try call(.munmap, [mapped.rawValue, size], on: tid, of: stopped)
            return nil
        }
        return mapped
    }

    /// `mprotect` a range; throws when the kernel refuses.
    func protect(
        _ address: RemoteAddress, size: UInt64, protection: MemoryProtection, on tid: Tid, of stopped: StoppedProcess
    )
        throws(AgentFailure)
    {
        let result = try call(.mprotect, [address.rawValue, size, protection.rawValue], on: tid, of: stopped)
        if result != 0 {
            throw AgentFailure(
                .failed, "\(process): mprotect(\(address), \(size)) failed with errno \(-result)")
        }
    }

    /// `munmap` a range; throws when the kernel refuses.
    func unmap(_ address: RemoteAddress, size: UInt64, on tid: Tid, of stopped: StoppedProcess)
        throws(AgentFailure)
    {
        let result = try call(.munmap, [address.rawValue, size], on: tid, of: stopped)
        if result != 0 {
            throw AgentFailure(
                .failed, "\(process): munmap(\(address), \(size)) failed with errno \(-result)")
        }
    }
}
