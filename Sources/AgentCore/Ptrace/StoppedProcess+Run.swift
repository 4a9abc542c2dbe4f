import Shared

/// Letting some held threads run while the others stay stopped (run to return): each runs until
/// it reaches one of its own breakpoints, and is then held again in the same stop.
///
/// The breakpoints are the thread's debug registers (DR0-DR3), not `int3` bytes: no byte of the
/// program changes, no other thread can hit them, and several threads returning to the same
/// caller each stop there on their own.
extension StoppedProcess {
    /// Lets the threads of `breakpoints` run, the others held, each until it reaches one of its
    /// addresses (1 to 4), stops for a signal of its own, exits, or `deadline` (monotonic ns)
    /// passes. Every one still alive is then held again with its debug registers cleared: in an
    /// interrupt stop, or in the stop of its own signal (delivered when it resumes, as for a
    /// thread that stopped that way in ``stopAll(_:)``). Threads it created meanwhile are stopped
    /// too. Returns the threads that reached a breakpoint and those that exited meanwhile.
    func run(to breakpoints: [Tid: [RemoteAddress]], until deadline: UInt64) throws(AgentFailure)
        -> (reached: Set<Tid>, exited: Set<Tid>)
    {
        let started = Syscalls.monotonicNanoseconds()
        defer {
            ran.threads += breakpoints.count
            ran.microseconds += (Syscalls.monotonicNanoseconds() - started) / 1000
        }
        var running: [Tid: [RemoteAddress]] = [:]
        for (tid, addresses) in breakpoints.sorted(by: { $0.key < $1.key }) {
            precondition(
                threads[tid] != nil && (1...4).contains(addresses.count), "run: bad request for \(tid)")
            do {
                try arm(tid, addresses)
                try Syscalls.cont(tid, signal: 0)
                running[tid] = addresses
            } catch {
                // No debug registers here (or the thread is gone): it stays held as it was.
                disarm(tid)
            }
        }
        var reached: Set<Tid> = []
        var killed = false
        func finish(_ tid: Tid, _ status: WaitStatus?, _ addresses: [RemoteAddress]) {
            if case .killed = status { killed = true }
            if settle(tid, status, breakpoints: addresses) { reached.insert(tid) }
        }
        while !running.isEmpty {
            for (tid, addresses) in running.sorted(by: { $0.key < $1.key }) {
                let status: Int32?
                do {
                    guard let changed = try Syscalls.waitIfChanged(tid) else { continue }
                    status = changed
                } catch {
                    status = nil  // ECHILD: it exited and was reaped
                }
                running[tid] = nil
                finish(tid, status.map(Syscalls.decode), addresses)
            }
            guard !running.isEmpty else { break }
            if Syscalls.monotonicNanoseconds() >= deadline {
                // Out of time: stop the rest wherever they are.
                for tid in running.keys.sorted() { try? Syscalls.interrupt(tid) }
                for (tid, addresses) in running.sorted(by: { $0.key < $1.key }) {
                    finish(tid, (try? Syscalls.wait(tid)).map(Syscalls.decode), addresses)
                }
                break
            }
            // Sleeping, not spinning: the agent is real-time and the threads need the CPUs.
            Syscalls.sleep(nanoseconds: 50_000)
        }
        if killed {
            // A fatal signal takes the whole process: say so, as a stop would.
            throw AgentFailure(
                .processExited, "\(process) exited (killed by a signal) while the agent let it run")
        }
        try stopNewThreads()
        return (reached, Set(breakpoints.keys).filter { threads[$0] == nil })
    }

    /// Records where a thread that ran is now; true when it stopped at one of its breakpoints.
    private func settle(_ tid: Tid, _ status: WaitStatus?, breakpoints: [RemoteAddress]) -> Bool {
        guard case .stopped(let signal, let event) = status, var thread = threads[tid] else {
            // Gone (the whole process, if it was the leader: the check that follows finds no
            // leader and the next stop reports the exit; the other threads are settled first).
            threadExited(tid)
            return false
        }
        disarm(tid)
        guard var registers = try? Syscalls.registers(of: tid) else {
            threadExited(tid)
            return false
        }
        let hit = event == 0 && signal == Signal.trap.rawValue && breakpoints.contains(RemoteAddress(registers.rip))
        if hit {
            let parked = park(tid)
            guard let now = threads[tid] else { return false }  // it exited
            thread = now  // with any signal that arrived meanwhile
            registers = (try? Syscalls.registers(of: tid)) ?? registers
            thread.stoppedByInterrupt = parked
        } else if event == Syscalls.eventStop {
            thread.stoppedByInterrupt = true  // the agent's interrupt (or a group stop)
        } else {
            // A signal of the program's own: it stays in that stop and gets it when it resumes.
            if thread.pendingSignal == 0 { thread.pendingSignal = signal }
            thread.stoppedByInterrupt = false
        }
        thread.registers = registers
        record(thread)
        return hit
    }

    /// DR0.. hold the addresses, DR7 enables each as an execution breakpoint of this thread.
    private func arm(_ tid: Tid, _ addresses: [RemoteAddress]) throws(SystemError) {
        var control: UInt64 = 0
        for (index, address) in addresses.enumerated() {
            try Syscalls.setDebugRegister(Int32(index), address.rawValue, of: tid)
            control |= 1 << (2 * UInt64(index))  // L<index>; RW and LEN 00: execute, 1 byte
        }
        try Syscalls.setDebugRegister(6, 0, of: tid)
        try Syscalls.setDebugRegister(7, control, of: tid)
    }

    /// Clears the thread's breakpoints (it must be stopped); a thread that is gone has none.
    private func disarm(_ tid: Tid) {
        try? Syscalls.setDebugRegister(7, 0, of: tid)
        try? Syscalls.setDebugRegister(6, 0, of: tid)
    }

    /// A breakpoint leaves the thread in a SIGTRAP signal-delivery stop; a dead agent would have
    /// that SIGTRAP delivered (and the process killed). Moved to an interrupt stop, as
    /// `RemoteSyscall` does after its step: interrupt, resume without the signal, wait. False
    /// when that failed: the thread exited, or it stays in the SIGTRAP stop (a detach with no
    /// signal still drops the SIGTRAP; only the net for a dying agent is weaker).
    private func park(_ tid: Tid) -> Bool {
        do {
            return try park(tid, droppingNetStop: false)
        } catch {
            if error.isGone || error.errno == .noChild { threadExited(tid) }
            return false
        }
    }
}
