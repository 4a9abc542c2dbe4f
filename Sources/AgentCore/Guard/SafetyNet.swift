import Shared

/// The net itself: a SIGSTOP queued while the threads are in ptrace stops, taken back by SIGCONT.
enum SafetyNet {
    /// Arms the net for a whole process whose threads are all in ptrace stops (a commit).
    static func arm(_ process: TargetProcess) {
        try? Syscalls.signalProcess(process.pid, .stop)
    }

    /// Arms the net for one borrowed thread (the others keep running and are not touched).
    static func arm(_ process: TargetProcess, tid: Tid) {
        try? Syscalls.sendSignal(.stop, to: tid, of: process.pid)
    }

    /// Disarms: SIGCONT discards every pending SIGSTOP of the process. Sent to the borrowed thread
    /// (or the process) while it is still held, so it is delivered after the detach: ignored by
    /// default, one extra SIGCONT for a program with a handler.
    static func disarm(_ process: TargetProcess, tid: Tid? = nil) {
        if let tid {
            try? Syscalls.sendSignal(.continue, to: tid, of: process.pid)
        } else {
            try? Syscalls.signalProcess(process.pid, .continue)
        }
    }
}
