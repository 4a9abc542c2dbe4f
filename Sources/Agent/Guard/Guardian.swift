import Shared

/// A small child of the agent that outlives it: if the agent dies (SIGKILL, OOM) inside a window
/// where the target would otherwise run on half changed, the guardian puts the target back.
///
/// Before each dangerous window the agent sends the guardian an intent (``GuardIntent``) and arms
/// a net: a pending SIGSTOP for threads held in ptrace stops. A dead tracer's threads are detached
/// by the kernel; with the SIGSTOP pending they enter a group stop before running any instruction
/// of their own (checked on this kernel: docs/RELIABILITY.md). When the pipe closes with an intent
/// still open, the guardian restores the borrowed thread's registers or makes the entry writes
/// all-or-nothing, sends SIGCONT and journals what it did (``GuardianProcess``).
///
/// Started once per agent command, before the first window: the agent's own binary run again as
/// `hotpatch-agent __guardian FD AGENT_PID STATE_DIR` (posix_spawn, so it shares no memory with
/// the agent and adds no copy-on-write faults to the pause).
final class Guardian {
    /// The pipe's write end.
    private let pipe: Int32
    /// The guardian's pid.
    let pid: Pid

    private init(pipe: Int32, pid: Pid) {
        self.pipe = pipe
        self.pid = pid
    }

    /// The agent is single-threaded: only its one thread touches this.
    nonisolated(unsafe) private static var started: Guardian?
    nonisolated(unsafe) private static var failedToStart = false

    /// The guardian of this agent, started on first use; nil when it could not be started (the
    /// agent then works without a net, as before the guardian existed).
    /// `HOTPATCH_AGENT_GUARDIAN=off` runs without guardian and net (to measure what they cost,
    /// or where fork is not allowed).
    static var current: Guardian? {
        if let started { return started }
        if failedToStart { return nil }
        if Syscalls.environment("HOTPATCH_AGENT_GUARDIAN") == "off" {
            failedToStart = true
            return nil
        }
        started = start()
        failedToStart = started == nil
        return started
    }

    private static func start() -> Guardian? {
        let stateDirectory =
            (try? ArgumentParser.parse(Array(CommandLine.arguments.dropFirst())))?.stateDirectory
            ?? "/var/lib/hotpatch"
        guard let intents = try? Syscalls.makePipe() else { return nil }
        guard let ready = try? Syscalls.makePipe() else {
            Syscalls.close(intents.read)
            Syscalls.close(intents.write)
            return nil
        }
        defer {
            Syscalls.close(intents.read)
            Syscalls.close(ready.read)
        }
        let arguments = [
            GuardianProcess.command, "\(intents.read)", "\(ready.write)", "\(Syscalls.processID)",
            stateDirectory,
        ]
        let child = try? Syscalls.spawnSelf(arguments)
        Syscalls.close(ready.write)
        guard let child else {
            Syscalls.close(intents.write)
            return nil
        }
        // Wait until it is up and reading: its start-up must not compete with a pause for the CPU.
        _ = try? Syscalls.read(ready.read, count: 1)
        return Guardian(pipe: intents.write, pid: child)
    }

    /// Announces a window (before it opens).
    func open(_ intent: GuardIntent) { send(.open(intent)) }

    /// The dangerous part is over; only the net is still armed.
    func settled() { send(.settled) }

    /// The window is closed and the net disarmed.
    func done() { send(.done) }

    private func send(_ record: GuardRecord) {
        // A guardian that died only costs the net; the agent's own work goes on.
        try? Syscalls.write(pipe, record.encoded(), what: "guardian pipe")
    }
}

/// The net itself: a SIGSTOP queued while the threads are in ptrace stops, taken back by SIGCONT.
enum SafetyNet {
    /// Arms the net for a whole process whose threads are all in ptrace stops (a commit).
    static func arm(_ process: TargetProcess) {
        try? Syscalls.signalProcess(process.pid, 19)  // SIGSTOP
    }

    /// Arms the net for one borrowed thread (the others keep running and are not touched).
    static func arm(_ process: TargetProcess, tid: Tid) {
        try? Syscalls.sendSignal(19, to: tid, of: process.pid)  // SIGSTOP
    }

    /// Disarms: SIGCONT discards every pending SIGSTOP of the process. Sent to the borrowed thread
    /// (or the process) while it is still held, so it is delivered after the detach: ignored by
    /// default, one extra SIGCONT for a program with a handler.
    static func disarm(_ process: TargetProcess, tid: Tid? = nil) {
        if let tid {
            try? Syscalls.sendSignal(18, to: tid, of: process.pid)  // SIGCONT
        } else {
            try? Syscalls.signalProcess(process.pid, 18)
        }
    }
}
