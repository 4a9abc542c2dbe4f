import Shared

/// Threads of one process held in ptrace stops, released (detached and resumed exactly as they
/// were) by ``resume()`` or when this object goes away, on every path.
///
/// Stopping uses `PTRACE_SEIZE` + `PTRACE_INTERRUPT`: unlike `PTRACE_ATTACH` this sends no
/// SIGSTOP, and a thread blocked in a restartable system call is stopped with the kernel's
/// restart state intact, so the call resumes when the thread does.
///
/// While it holds every thread the agent runs at the lowest real-time priority
/// (``SchedulingBoost``): a thread it lets go can then never preempt it before it has let go the
/// others too.
final class StoppedProcess {
    /// The process.
    let process: TargetProcess
    /// The command's failpoints, stop ledger (every stop records its hold) and guardian.
    let session: AgentSession
    /// The stopped threads.
    private(set) var threads: [Tid: StoppedThread] = [:]
    /// When the first thread was asked to stop (monotonic ns): the pause starts here.
    private(set) var stopStarted: UInt64 = 0
    /// How long stopping every thread took (µs), once ``stopAll(_:)`` returned.
    private(set) var stopMicroseconds: UInt64 = 0
    /// How long ``resume()`` took to detach every thread (µs), once it ran.
    private(set) var resumeMicroseconds: UInt64 = 0
    /// The pause (µs), once ``resume()`` ran: the longest any one thread was held, from the moment
    /// it was asked to stop to the moment it was let go. Threads are let go in the order they were
    /// asked to stop, so at 512 threads this is ~3/4 of the ``windowMicroseconds``.
    private(set) var pauseMicroseconds: UInt64 = 0
    /// From the first thread asked to stop to the last one let go (µs), once ``resume()`` ran.
    private(set) var windowMicroseconds: UInt64 = 0
    /// How long seizing the threads took, before the pause (µs): they ran on meanwhile.
    private(set) var seizeMicroseconds: UInt64 = 0
    private var seized: Set<Tid> = []
    /// The thread borrowed by ``stopOne(_:step:preferring:)``, raised for as long as it is held.
    private var borrowedPriority: BorrowedThreadPriority?
    /// Every thread asked to stop, in that order, with when it was asked (monotonic ns).
    private var interrupted: [(tid: Tid, at: UInt64)] = []
    private var resumed = false
    private(set) var boost = SchedulingBoost()
    private var stackScratch: [UInt64] = []
    /// The leader lingers as a zombie (after pthread_exit in main): never waited for.
    private var leaderIsZombie = false
    /// The step this stop serves (`commit`, `mmap`, `call`, `munmap`): named in the hold ledger and
    /// the pause trace.
    let step: String
    /// Sub-steps inside the hold (name, monotonic ns when it ended), for the pause trace.
    private(set) var marks: [(StaticString, UInt64)] = []

    private init(process: TargetProcess, step: String, session: AgentSession) {
        self.process = process
        self.session = session
        self.step = step
        marks.reserveCapacity(8)
    }

    deinit { resume() }

    /// Stops every thread of the process, including threads created while stopping: the task
    /// list is read again until every listed thread is stopped (a stopped thread cannot clone,
    /// so a complete list stays complete).
    ///
    /// The pause holds only what stopping needs. Before it, while the threads run: the list is
    /// read, memory for their stacks is made ready, and every thread is seized (`PTRACE_SEIZE`
    /// does not stop it). The pause starts at the first `PTRACE_INTERRUPT`; every thread is
    /// interrupted before any is waited for, so the kernel brings them to their stops at once.
    static func stopAll(_ process: TargetProcess, session: AgentSession) throws(AgentFailure) -> StoppedProcess {
        let stopped = StoppedProcess(process: process, step: "commit", session: session)
        stopped.leaderIsZombie = stopped.isZombieLeader(Tid(process.pid.rawValue))
        let listed = try process.threads().filter {
            !(stopped.leaderIsZombie && $0.rawValue == process.pid.rawValue)
        }
        // Touched now: a fresh page costs a fault (microseconds each on a VM), and inside the
        // pause every thread would wait for all of them.
        stopped.stackScratch = [UInt64](repeating: 0, count: listed.count * stackScratchWordsPerThread)
        stopped.interrupted.reserveCapacity(listed.count + 16)
        stopped.boost.raise()
        let seizeStarted = Syscalls.monotonicNanoseconds()
        let batch = try stopped.seize(listed)
        stopped.stopStarted = Syscalls.monotonicNanoseconds()
        stopped.seizeMicroseconds = (stopped.stopStarted - seizeStarted) / 1000
        try stopped.interruptAndWait(batch)
        try stopped.stopNewThreads()
        guard !stopped.threads.isEmpty else {
            stopped.resume()
            throw AgentFailure(.processExited, "\(process) exited while the agent was stopping it")
        }
        stopped.stopMicroseconds = stopped.elapsedMicroseconds
        return stopped
    }

    /// Stops the threads not held yet (created since the list was read, or by a thread the
    /// agent let run), until the list holds no new one.
    func stopNewThreads() throws(AgentFailure) {
        while true {
            let new = try process.threads().filter {
                !seized.contains($0) && !(leaderIsZombie && $0.rawValue == process.pid.rawValue)
            }
            if new.isEmpty { return }
            try interruptAndWait(try seize(new))
        }
    }

    /// Records a held thread's new state after the agent let it run and stopped it again.
    func record(_ thread: StoppedThread) {
        precondition(threads[thread.tid] != nil, "record: tid \(thread.tid) is not held")
        threads[thread.tid] = thread
    }

    /// Threads let run inside this stop (run to return) and how long that took (µs), for the
    /// pause trace.
    var ran: (threads: Int, microseconds: UInt64) = (0, 0)

    /// Room for the live stacks of the stopped threads, at least `words` long: the memory made
    /// ready before the pause when it is big enough, new memory otherwise. The caller owns it.
    func takeStackScratch(words: Int) -> [UInt64] {
        guard stackScratch.count >= words else { return [UInt64](repeating: 0, count: words) }
        defer { stackScratch = [] }
        return stackScratch
    }

    /// Stack words made ready per thread before a stop (8 KiB): a thread blocked a few calls deep
    /// needs about 600 (its frames, then glibc's thread descriptor and TLS at the stack's top).
    private static let stackScratchWordsPerThread = 1024

    /// Stops one thread (for an injected system call or function call: `step` names it); the
    /// others keep running.
    ///
    /// Boosted like a commit (``SchedulingBoost``) for as long as it holds the thread: the hold is
    /// a few ptrace round trips, and at normal priority each of them waited for the agent to be
    /// scheduled again behind the target's own busy threads (10-16 ms holds on a loaded server for
    /// an injected `mmap` of microseconds). Real-time, the agent sleeps while the thread runs its
    /// step and takes the CPU back only for the ptrace calls, so the others lose next to nothing.
    static func stopOne(
        _ process: TargetProcess, step: String, preferring preferred: Tid? = nil, session: AgentSession
    )
        throws(AgentFailure)
        -> StoppedProcess
    {
        let stopped = StoppedProcess(process: process, step: step, session: session)
        var candidates = try process.threads().filter { !stopped.isZombieLeader($0) }
        if let preferred, let index = candidates.firstIndex(of: preferred) {
            candidates.swapAt(0, index)
        }
        stopped.boost.raise(SchedulingBoost.forOneThread())
        stopped.stopStarted = Syscalls.monotonicNanoseconds()
        for tid in candidates {
            // Raised before it is asked to stop: it must be scheduled to reach its stop too.
            stopped.borrowedPriority = BorrowedThreadPriority.raise(tid, of: process, guardian: session.guardian)
            do {
                try stopped.stop([tid])
            } catch {
                stopped.restoreBorrowedPriority()
                throw error
            }
            guard !stopped.threads.isEmpty else {
                stopped.restoreBorrowedPriority()  // it exited before it stopped; try the next
                continue
            }
            stopped.stopMicroseconds = stopped.elapsedMicroseconds
            stopped.mark("stop")
            return stopped
        }
        stopped.boost.lower()
        throw AgentFailure(.processExited, "\(process) has no live thread left to stop")
    }

    private func restoreBorrowedPriority() {
        borrowedPriority?.restore()
        borrowedPriority = nil
    }

    /// Marks the end of a sub-step of this hold (the pause trace gives each one's µs).
    /// A `StaticString`: nothing is formatted or allocated inside the hold but the array's slot.
    func mark(_ name: StaticString) { marks.append((name, Syscalls.monotonicNanoseconds())) }

    /// Microseconds since the first thread was asked to stop.
    var elapsedMicroseconds: UInt64 { (Syscalls.monotonicNanoseconds() - stopStarted) / 1000 }

    /// Replaces a thread's registers (written back when it resumes, and immediately).
    func setRegisters(_ registers: Registers, of tid: Tid) throws(AgentFailure) {
        do {
            try Syscalls.setRegisters(registers, of: tid)
        } catch  where error.isGone {
            // A held thread vanishes only when the process is killed or exits (exit_group).
            throw AgentFailure(
                .processExited, "\(process) exited while the agent held it (tid \(tid) is gone)")
        } catch {
            throw AgentFailure(.failed, "\(process): cannot set registers of tid \(tid): \(error)")
        }
    }

    /// Records a signal that arrived at a stopped thread while the agent drove it.
    func addPendingSignal(_ signal: Int32, to tid: Tid) {
        if threads[tid]?.pendingSignal == 0 { threads[tid]?.pendingSignal = signal }
    }

    /// Forgets a thread that exited while the agent held it.
    func threadExited(_ tid: Tid) {
        threads[tid] = nil
        seized.remove(tid)
    }

    /// Lets every thread run again, exactly where and as it was, in the order they were asked to
    /// stop (so the first held is the first let go). Idempotent.
    func resume() {
        guard !resumed else { return }
        resumed = true
        let started = Syscalls.monotonicNanoseconds()
        let held = threads.count
        restoreBorrowedPriority()  // while it is still stopped: it goes on at its own priority
        var longest: UInt64 = 0
        var unordered = false
        for (tid, at) in interrupted {
            guard let thread = threads.removeValue(forKey: tid) else { continue }
            seized.remove(tid)
            letGo(thread)
            longest = max(longest, Syscalls.monotonicNanoseconds() - at)
        }
        for thread in threads.values {  // none: every held thread was interrupted first
            unordered = true
            seized.remove(thread.tid)
            letGo(thread)
        }
        for tid in seized { try? Syscalls.detach(tid, signal: 0) }  // seized, never held
        let ended = Syscalls.monotonicNanoseconds()
        boost.lower()
        resumeMicroseconds = (ended - started) / 1000
        if stopStarted != 0 {
            windowMicroseconds = (ended - stopStarted) / 1000
            pauseMicroseconds = (unordered ? ended - stopStarted : longest) / 1000
            session.holds.record(.init(step: step, threads: held, microseconds: pauseMicroseconds))
            tracePause(threads: held, heldUntil: started, endedAt: ended)
        }
        threads = [:]
        seized = []
        interrupted = []
    }

    private func letGo(_ thread: StoppedThread) {
        restartInterruptedWait(thread)
        // ESRCH: the thread exited meanwhile; nothing to resume.
        try? Syscalls.detach(thread.tid, signal: thread.pendingSignal)
        session.failpoints.reached(.midDetach)
    }

    /// Seizes running threads (they keep running); returns the ones seized, skipping threads
    /// that exited since they were listed.
    private func seize(_ tids: [Tid]) throws(AgentFailure) -> [Tid] {
        var done: [Tid] = []
        done.reserveCapacity(tids.count)
        for tid in tids {
            do {
                try Syscalls.seize(tid)
                seized.insert(tid)
                done.append(tid)
            } catch  where error.isGone {
                continue  // the thread exited between listing and seizing
            } catch {
                resume()
                throw seizeFailure(tid, error)
            }
        }
        return done
    }

    /// Interrupts every seized thread of `tids` first, then waits for each: the kernel brings
    /// them to their stops in parallel, so the pause is the slowest thread's, not the sum.
    private func interruptAndWait(_ tids: [Tid]) throws(AgentFailure) {
        var asked: [Tid] = []
        asked.reserveCapacity(tids.count)
        for tid in tids {
            do {
                let at = Syscalls.monotonicNanoseconds()
                try Syscalls.interrupt(tid)
                interrupted.append((tid, at))
                asked.append(tid)
            } catch  where error.isGone {
                continue  // it exited after it was seized
            } catch {
                resume()
                throw AgentFailure(.failed, "cannot stop tid \(tid) of \(process): \(error)")
            }
        }
        // The leader last: a leader that exits (the whole process killed) is reported only once
        // every other thread is reaped, and those are traced by us, so waiting for it first
        // would wait forever (seen with a target SIGKILLed mid-apply).
        let leader = Tid(process.pid.rawValue)
        for tid in asked where tid != leader { try waitForStop(tid) }
        if asked.contains(leader) { try waitForStop(leader) }
    }

    private func stop(_ tids: [Tid]) throws(AgentFailure) {
        try interruptAndWait(try seize(tids))
    }

    private func waitForStop(_ tid: Tid) throws(AgentFailure) {
        let status: WaitStatus
        do {
            status = Syscalls.decode(try Syscalls.wait(tid))
        } catch {
            seized.remove(tid)
            return  // ECHILD: it exited and was reaped by its own process
        }
        switch status {
        case .exited, .killed:
            seized.remove(tid)
            if tid.rawValue == process.pid.rawValue {
                resume()
                throw AgentFailure(.processExited, "\(process) exited while the agent was stopping it")
            }
        case .stopped(let signal, let event):
            let registers: Registers
            do {
                registers = try Syscalls.registers(of: tid)
            } catch {
                seized.remove(tid)
                return
            }
            // A signal-delivery stop (event 0) holds a signal of the program's own: deliver it later.
            let byInterrupt = event == Syscalls.eventStop
            threads[tid] = StoppedThread(
                tid: tid, registers: registers, pendingSignal: byInterrupt ? 0 : signal,
                stoppedByInterrupt: byInterrupt)
        }
    }

    private func isZombieLeader(_ tid: Tid) -> Bool {
        // Only the leader lingers as a zombie while other threads run (after pthread_exit in main);
        // it would never report a stop.
        guard tid.rawValue == process.pid.rawValue,
            let bytes = try? Syscalls.readFile("/proc/\(process.pid)/task/\(tid)/stat"),
            let stat = ProcessStat(text: String(decoding: bytes, as: UTF8.self))
        else { return false }
        return stat.state == "Z" || stat.state == "X"
    }

    private func seizeFailure(_ tid: Tid, _ error: SystemError) -> AgentFailure {
        // A dying process's threads linger (still traced by whoever held them) until reaped.
        if isZombieLeader(Tid(process.pid.rawValue)) || !Syscalls.exists("/proc/\(process.pid)") {
            return AgentFailure(.processExited, "\(process) exited while the agent was stopping it")
        }
        if error.isPermission {
            let tracer = tracerPid()
            if let tracer, tracer != 0 {
                return AgentFailure(
                    .permission,
                    "cannot trace tid \(tid) of \(process): it is already traced by pid \(tracer) "
                        + "(a debugger?); detach it and retry")
            }
            return AgentFailure(
                .permission,
                "no permission to trace tid \(tid) of \(process) (agent uid \(Syscalls.effectiveUser)): \(error); "
                    + "run hotpatch-agent as root or as the process owner with CAP_SYS_PTRACE")
        }
        return AgentFailure(.failed, "cannot stop tid \(tid) of \(process): \(error)")
    }

    private func tracerPid() -> Int32? {
        guard let bytes = try? Syscalls.readFile("/proc/\(process.pid)/status") else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first {
            $0.hasPrefix("TracerPid:")
        }
        return line.flatMap { Int32($0.dropFirst("TracerPid:".count).trimmingSpaces) }
    }

    /// Some waits return EINTR when a thread is merely stopped and resumed, signal or not
    /// (epoll_wait, semop, sigtimedwait, io_getevents: see signal(7), "Interruption of system
    /// calls ... by stop signals"). When the agent's own interrupt caused it, restart the call
    /// the way the kernel restarts the others: back to the `syscall` instruction with the call
    /// number in rax. A relative timeout then starts again in full, so a wait is lengthened by
    /// at most the pause, never shortened, and the program never sees EINTR from the agent.
    private func restartInterruptedWait(_ thread: StoppedThread) {
        let regs = thread.registers
        guard thread.stoppedByInterrupt, thread.pendingSignal == 0, regs.isInSystemCall,
            regs.signedResult == -4,  // -EINTR
            StoppedProcess.waitsReturningEINTR.contains(regs.orig_rax)
        else { return }
        var restarted = regs
        restarted.rax = regs.orig_rax
        restarted.rip = regs.rip - 2  // `syscall` is 0f 05
        try? Syscalls.setRegisters(restarted, of: thread.tid)
    }

    /// epoll_wait, epoll_pwait, epoll_pwait2, semop, semtimedop, io_getevents, rt_sigtimedwait.
    private static let waitsReturningEINTR: Set<UInt64> = [232, 281, 441, 65, 220, 208, 128]
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return self[first...last]
    }
}
