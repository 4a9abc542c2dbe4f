import CPtrace
import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// ptrace requests on one thread (seize, interrupt, detach, continue, step, registers).
extension Syscalls {

    /// Attaches to one thread without stopping it (`PTRACE_SEIZE`).
    static func seize(_ tid: Tid) throws(SystemError) {
        if cptrace_seize(tid.rawValue, 0) != 0 { throw failure("PTRACE_SEIZE tid \(tid)") }
    }

    /// Asks a seized thread to stop; it reports a `PTRACE_EVENT_STOP` to `wait`.
    static func interrupt(_ tid: Tid) throws(SystemError) {
        if cptrace_interrupt(tid.rawValue) != 0 { throw failure("PTRACE_INTERRUPT tid \(tid)") }
    }

    /// Detaches and lets the thread run, delivering `signal` (0 for none).
    static func detach(_ tid: Tid, signal: Int32) throws(SystemError) {
        if cptrace_detach(tid.rawValue, signal) != 0 { throw failure("PTRACE_DETACH tid \(tid)") }
    }

    /// Resumes a stopped thread, delivering `signal` (0 for none).
    static func cont(_ tid: Tid, signal: Int32) throws(SystemError) {
        if cptrace_cont(tid.rawValue, signal) != 0 { throw failure("PTRACE_CONT tid \(tid)") }
    }

    /// Executes one instruction of a stopped thread.
    static func singleStep(_ tid: Tid) throws(SystemError) {
        if cptrace_singlestep(tid.rawValue) != 0 { throw failure("PTRACE_SINGLESTEP tid \(tid)") }
    }

    /// Writes debug register `index` (DR0-DR3: breakpoint addresses, DR6: status, DR7: control)
    /// of a stopped thread; the breakpoints are the thread's own, no other thread sees them.
    static func setDebugRegister(_ index: Int32, _ value: UInt64, of tid: Tid) throws(SystemError) {
        if cptrace_set_debugreg(tid.rawValue, index, UInt(value)) != 0 {
            throw failure("PTRACE_POKEUSER DR\(index) tid \(tid)")
        }
    }

    /// Reads the general registers of a stopped thread.
    static func registers(of tid: Tid) throws(SystemError) -> user_regs_struct {
        var regs = user_regs_struct()
        if cptrace_getregs(tid.rawValue, &regs) != 0 { throw failure("PTRACE_GETREGS tid \(tid)") }
        return regs
    }

    /// Writes the general registers of a stopped thread.
    static func setRegisters(_ regs: user_regs_struct, of tid: Tid) throws(SystemError) {
        var copy = regs
        if cptrace_setregs(tid.rawValue, &copy) != 0 { throw failure("PTRACE_SETREGS tid \(tid)") }
    }
}
