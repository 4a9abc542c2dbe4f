import Shared

/// Runs one function of the target inside the target by borrowing one stopped thread, as a
/// debugger's `call`: its registers are saved, the arguments set (System V: rdi, rsi, ...), a
/// return address pushed below its stack's red zone, and the thread continued until it comes back
/// to that return address; then its registers are restored exactly, on every path.
///
/// The return address is a `jmp .` (eb fe) in the patch memory, not an `int3`: were the agent to
/// die while the call runs, an `int3` would kill the process with SIGTRAP, while `jmp .` only
/// holds the thread until the ``Guardian`` puts its own registers back (the intent is open for
/// the whole call). The agent finds the thread there by interrupting it at growing intervals.
/// What the guardian cannot undo: a call it cuts short in the middle (its deadline passed, or the
/// agent died) leaves whatever the function had half done, e.g. a lock it held.
struct RemoteCall {
    /// The process whose thread is borrowed.
    let process: TargetProcess
    /// Where the `jmp .` the call returns to is.
    let trap: RemoteAddress
    /// How long the call may take before the agent gives up on it (it normally takes microseconds;
    /// more means it waits on a lock that may never be released, e.g. one the borrowed thread holds).
    var deadlineNanoseconds: UInt64 = 2_000_000_000

    /// The two bytes of the trap: `jmp .`.
    static let trapBytes: [UInt8] = [0xeb, 0xfe]

    /// Calls `function(arguments...)` on `tid` (held by `stopped`); returns its `rax`. `name` is
    /// for messages.
    func call(
        _ function: RemoteAddress, _ arguments: [UInt64], name: String, on tid: Tid,
        of stopped: StoppedProcess,
        memory: RemoteMemory
    ) throws(AgentFailure) -> UInt64 {
        guard let thread = stopped.threads[tid], arguments.count <= 6 else {
            throw AgentFailure(.failed, "\(process): tid \(tid) is not stopped; cannot call \(name) in it")
        }
        let saved = thread.registers
        var regs = saved
        // Below the red zone (128 bytes) and some slack, 16-byte aligned, then the return address:
        // at the function's first instruction rsp + 8 is 16-byte aligned, as the ABI wants.
        let stack = ((saved.rsp &- 512) & ~UInt64(15)) &- 8
        try memory.write(RemoteCall.littleEndian(trap.rawValue), at: RemoteAddress(stack))
        let padded = arguments + [UInt64](repeating: 0, count: 6 - arguments.count)
        (regs.rdi, regs.rsi, regs.rdx, regs.rcx, regs.r8, regs.r9) =
            (padded[0], padded[1], padded[2], padded[3], padded[4], padded[5])
        regs.rax = 0
        regs.rsp = stack
        regs.rip = function.rawValue
        regs.eflags &= ~UInt64(0x400)  // DF clear at a call, as the ABI wants
        // orig_rax = -1: the kernel must not restart the thread's own interrupted call in ours.
        regs.orig_rax = UInt64.max
        let after = try stopped.withBorrowedRegisters(
            of: tid, saved: saved, borrowed: regs, set: .afterCallSetRegisters, returned: .afterCallReturned
        ) { () throws(AgentFailure) in
            let after: Registers
            do throws(AgentFailure) {
                after = try runUntilTrap(tid, name: name, stopped: stopped)
            } catch {
                // Stopped (deadline) or gone: either way its own registers go back if it is there.
                try? Syscalls.setRegisters(saved, of: tid)
                throw error
            }
            stopped.mark("run")
            return after
        }
        return after.rax
    }

    /// Continues the thread and interrupts it at growing intervals (50 µs to 2 ms) until it
    /// stands on the trap; returns its registers there. Past the deadline it throws with the
    /// thread stopped, so the caller can restore it.
    private func runUntilTrap(_ tid: Tid, name: String, stopped: StoppedProcess) throws(AgentFailure)
        -> Registers
    {
        let started = Syscalls.monotonicNanoseconds()
        var interval: UInt64 = 50_000
        do {
            try Syscalls.cont(tid, signal: 0)
            while true {
                Syscalls.sleep(nanoseconds: interval)
                interval = min(interval * 2, 2_000_000)
                try Syscalls.interrupt(tid)
                let regs = try waitForInterruptStop(tid, name: name, stopped: stopped)
                if regs.rip == trap.rawValue { return regs }
                if Syscalls.monotonicNanoseconds() - started > deadlineNanoseconds {
                    throw AgentFailure(
                        .failed,
                        "\(process): \(name) did not return within \(deadlineNanoseconds / 1_000_000) ms in tid \(tid) "
                            + "(it was at \(RemoteAddress(regs.rip)); likely waiting on a lock the borrowed thread holds); "
                            + "the thread's registers were restored")
                }
                try Syscalls.cont(tid, signal: 0)
            }
        } catch let error as SystemError {
            throw AgentFailure(.failed, "\(process): running \(name) in tid \(tid) failed: \(error)")
        } catch {
            throw error as! AgentFailure
        }
    }

    /// Waits for the interrupt stop; signals that arrive first are kept for later (the net's own
    /// SIGSTOP is dropped) and the thread continued until the interrupt stops it.
    private func waitForInterruptStop(_ tid: Tid, name: String, stopped: StoppedProcess) throws -> Registers {
        while true {
            switch Syscalls.decode(try Syscalls.wait(tid)) {
            case .exited, .killed:
                stopped.threadExited(tid)
                throw AgentFailure(.processExited, "\(process): tid \(tid) exited while running \(name)")
            case .stopped(let signal, let event):
                if event == Syscalls.eventStop { return try Syscalls.registers(of: tid) }
                if event == 0 && RemoteCall.faults.contains(Signal(rawValue: signal)) {
                    // The call itself faulted: never the program's signal to keep (delivered after
                    // the restore, it would kill the process). Stop here; the caller restores.
                    let at = (try? Syscalls.registers(of: tid)).map { RemoteAddress($0.rip) }
                    throw AgentFailure(
                        .failed,
                        "\(process): \(name) faulted with signal \(signal) in tid \(tid) at \(at.map { "\($0)" } ?? "?"); "
                            + "the thread's registers were restored")
                }
                if event == 0 && signal != Signal.stop.rawValue { stopped.addPendingSignal(signal, to: tid) }
                try Syscalls.cont(tid, signal: 0)
            }
        }
    }

    /// Signals an instruction of the call raises itself: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV.
    static let faults: Set<Signal> = [.illegalInstruction, .trap, .busError, .arithmeticError, .segmentationFault]

    /// Eight little-endian bytes.
    static func littleEndian(_ value: UInt64) -> [UInt8] {
        var word = ByteWriter()
        word.u64(value)
        return word.data
    }
}
