import Shared

/// Borrowing one held thread for an injected system call or function call (``RemoteSyscall``,
/// ``RemoteCall``): its registers replaced under the guardian's net, and put back after.
extension StoppedProcess {
    /// Points `tid` at `borrowed` registers, runs `body` (which makes the thread run them) and
    /// puts `saved` back, all under the net: were the agent to die while the thread holds the
    /// borrowed registers, the kernel would let it run on with them (a crash); a pending SIGSTOP
    /// makes it stop instead, and the guardian puts its own registers back. `set` and `returned`
    /// are the failpoints after the registers are set and after `body` ran.
    func withBorrowedRegisters<Result>(
        of tid: Tid, saved: Registers, borrowed: Registers, set: Failpoints.Step, returned: Failpoints.Step,
        _ body: () throws(AgentFailure) -> Result
    ) throws(AgentFailure) -> Result {
        let guardian = session.guardian
        guardian?.open(.registers(process.identity, tid: tid, saved: saved.rawBytes))
        SafetyNet.arm(process, tid: tid)
        defer {
            SafetyNet.disarm(process, tid: tid)
            guardian?.done()
        }
        mark("net")
        try setRegisters(borrowed, of: tid)
        session.failpoints.reached(set)
        mark("set_regs")
        let result = try body()
        // Running consumed the SIGSTOP (a step takes it first); arm again until restored.
        SafetyNet.arm(process, tid: tid)
        session.failpoints.reached(returned)
        // Put everything back, orig_rax and the -ERESTART* rax included: on resume the kernel
        // restarts the thread's own call exactly as it would have without the agent.
        try setRegisters(saved, of: tid)
        guardian?.settled()
        mark("restore")
        return result
    }

    /// Brings a thread that ran (a step, a call, a run toward its return) to an interrupt stop
    /// (PTRACE_EVENT_STOP), which is harmless to leave: after a step it sits in a SIGTRAP
    /// signal-delivery stop, and were the agent to die there the kernel would deliver that SIGTRAP
    /// and kill the process. Interrupt, resume with no signal (the SIGTRAP is dropped; the pending
    /// interrupt stops the thread before it returns to its own code), wait. Signals of the
    /// program's own that arrive first are kept for later; with `droppingNetStop`, a SIGSTOP is
    /// the net's own and is dropped. False when the thread exited (it is forgotten).
    func park(_ tid: Tid, droppingNetStop: Bool) throws(SystemError) -> Bool {
        try Syscalls.interrupt(tid)
        try Syscalls.cont(tid, signal: 0)
        while true {
            switch Syscalls.decode(try Syscalls.wait(tid)) {
            case .exited, .killed:
                threadExited(tid)
                return false
            case .stopped(let signal, let event):
                if event == Syscalls.eventStop { return true }
                if event == 0 && !(droppingNetStop && signal == Signal.stop.rawValue) {
                    addPendingSignal(signal, to: tid)
                }
                try Syscalls.cont(tid, signal: 0)
            }
        }
    }
}
