import Shared

/// A small child of the agent that outlives it: if the agent dies (SIGKILL, OOM) inside a window
/// where the target would otherwise run on half changed, the guardian puts the target back.
///
/// Before each dangerous window the agent puts an intent (``GuardIntent``) on the board the two
/// share (``GuardBoard``; the guardian sleeps until the agent is gone, then reads it) and arms
/// a net: a pending SIGSTOP for threads held in ptrace stops. A dead tracer's threads are detached
/// by the kernel; with the SIGSTOP pending they enter a group stop before running any instruction
/// of their own (checked on this kernel: docs/RELIABILITY.md). When the agent's end of the
/// lifeline pipe closes with an intent still open, the guardian restores the borrowed thread's
/// registers or makes the entry writes all-or-nothing, sends SIGCONT and journals what it did
/// (``GuardianProcess``).
///
/// Started once per agent command (by its ``AgentSession``), before the first window, by `fork` without exec: the child
/// goes straight to ``GuardianProcess/run()``. It used to be the agent's binary run again
/// (`posix_spawn` of /proc/self/exe): a second 7 MB static process loaded and started while the
/// agent waited for it, ~1.3 ms of the 2 ms a 4-thread target's workers stalled on this 2-core
/// machine (bench/RESULTS.md). A fork copies page tables and nothing else; the pages it shares
/// cost the agent a copy-on-write fault on its first write to each, and few are written between
/// the fork and the end of the commit (the stop's stack scratch is allocated after it).
final class Guardian {
    /// The write end of the pipe whose end of file tells the guardian the agent is gone; never
    /// written.
    private let lifeline: FileDescriptor
    /// The window the guardian would repair, shared with it.
    private let board: GuardBoard
    /// The guardian's pid.
    let pid: Pid

    private init(lifeline: FileDescriptor, board: GuardBoard, pid: Pid) {
        self.lifeline = lifeline
        self.board = board
        self.pid = pid
    }

    /// Forks the guardian of this agent (``AgentSession`` does, once per command); nil when it
    /// could not be started (the agent then works without a net, as before the guardian existed).
    static func start(stateDirectory: String) -> Guardian? {
        guard let board = try? GuardBoard(), let lifeline = try? Syscalls.makePipe() else { return nil }
        guard let ready = try? Syscalls.makePipe() else {
            lifeline.read.close()
            lifeline.write.close()
            return nil
        }
        defer {
            lifeline.read.close()
            ready.read.close()
        }
        let agent = Syscalls.processID
        let child: Pid?
        do {
            child = try Syscalls.fork()
        } catch {
            ready.write.close()
            lifeline.write.close()
            return nil
        }
        guard let child else {
            // The guardian: it keeps the read end of `lifeline` and the board, nothing else of the
            // agent's. Closing `ready` (with every other descriptor) is its signal that it is detached.
            let guardian = GuardianProcess(
                agent: agent, lifeline: lifeline.read, board: board, stateDirectory: stateDirectory)
            guardian.detach()
            guardian.run()
        }
        ready.write.close()
        // End of file once it is detached: its start-up then competes with no pause for the CPU.
        _ = try? Syscalls.read(ready.read, count: 1)
        return Guardian(lifeline: lifeline.write, board: board, pid: child)
    }

    /// Announces a window (before it opens). Stores into shared memory only: no system call, and
    /// the guardian is not woken.
    func open(_ intent: GuardIntent) { board.open(intent) }

    /// The dangerous part is over; only the net is still armed.
    func settled() { board.settled() }

    /// The window is closed and the net disarmed.
    func done() { board.done() }

    /// A borrowed thread's nice value is about to be lowered from `nice`: were the agent to die
    /// before ``restoredPriority()``, the guardian puts it back.
    func loweringPriority(of tid: Tid, in process: ProcessIdentity, from nice: Int32) {
        board.lowering(tid, of: process, from: nice)
    }

    /// The borrowed thread's nice value is back.
    func restoredPriority() { board.restored() }
}
