import Shared

/// Stops the world, checks the safe point and runs a commit in the same stop; backs off and
/// retries while the process is not at a safe point, until the timeout.
struct SafePointSwitch {
    /// How long to keep trying, and how long one stop may last.
    struct Limits {
        /// Give up after this long (nanoseconds).
        var timeoutNanoseconds: UInt64
        /// Never keep the process stopped longer than this (microseconds).
        var maxPauseMicroseconds: UInt64
        /// Let threads in the way run to their return inside the stop (false: only back off and retry).
        var runToReturn = true
    }

    /// What a successful switch cost.
    struct Result {
        /// How long every thread was stopped in the stop that committed (µs).
        let pauseMicroseconds: UInt64
        /// How many stops it took.
        let attempts: Int
    }

    /// The process.
    let process: TargetProcess
    /// Its memory.
    let memory: RemoteMemory
    /// The command's failpoints, stop ledger and guardian.
    let session: AgentSession
    /// Ranges threads must be out of.
    let guards: [SafePoint.Guard]
    /// Timeout and pause budget.
    let limits: Limits
    /// The stack walks' call-frame tables, kept between this switch's stops.
    let returnSlots = ReturnSlots()
    /// What the commit writes, for the guardian (nil: no net, e.g. a single write).
    var intent: GuardIntent? = nil

    /// Stops whose run to return left threads in the way, after which threads are no longer run
    /// (only backed off from): each such stop lasts the whole pause budget.
    static let maximumFailedRuns = 10

    /// Runs `commit` in a stop where no thread is in a guarded range. If the whole pause (the
    /// forecast detach included) would exceed the budget once `commit` is done, `undo` runs in
    /// the same stop and the switch tries again.
    /// `verb` names the action for messages ("apply parity-fix").
    func run(
        verb: String, commit: (StoppedProcess) throws(AgentFailure) -> Void, undo: (StoppedProcess) -> Void
    ) throws(AgentFailure) -> Result {
        var progress = Progress(
            deadline: Syscalls.monotonicNanoseconds() + limits.timeoutNanoseconds, mappings: try process.mappings())
        // The guardian learns the writes before the first stop, so the pause holds only the net.
        let guardian = intent.flatMap { _ in session.guardian }
        if let intent { guardian?.open(intent) }
        defer { guardian?.done() }
        while true {
            progress.attempts += 1
            let stopped = try StoppedProcess.stopAll(process, session: session)
            var hold = CommitHold(stopped: stopped, failpoints: session.failpoints)
            if try attempt(&hold, &progress, net: guardian != nil, commit: commit, undo: undo) {
                // The pause as the threads saw it (first interrupt to last detach), not
                // counting what the agent does after letting them go.
                return Result(pauseMicroseconds: stopped.pauseMicroseconds, attempts: progress.attempts)
            }
            guard Syscalls.monotonicNanoseconds() < progress.deadline else {
                throw failure(verb: verb, progress)
            }
            // With the threads running: the call-frame tables the stack walks of this stop lacked.
            returnSlots.loadWanted(pid: process.pid)
            // Back off: 1 ms doubling to 64 ms, so a busy function gets room to return.
            Syscalls.sleep(nanoseconds: max(1_000_000 << UInt64(min(progress.attempts - 1, 6)), progress.restAfterRun))
            progress.restAfterRun = 0
        }
    }

    /// One stop: check the safe point (letting the threads in the way run to their return),
    /// then commit, or let the threads go with the reason noted in `progress`. True when committed.
    private func attempt(
        _ hold: inout CommitHold, _ progress: inout Progress, net: Bool,
        commit: (StoppedProcess) throws(AgentFailure) -> Void, undo: (StoppedProcess) -> Void
    ) throws(AgentFailure) -> Bool {
        let stopped = hold.stopped
        stopped.mark("stop")
        let conflicts = try conflictsLeft(stopped, &progress)
        // Named: a thread that could not be run, else one executing inside, else the first.
        if let conflict = RunToReturn.blocker(conflicts, held: stopped.threads) ?? SafePoint.first(of: conflicts) {
            hold.release(&progress)
            progress.lastConflict = conflict
            progress.lastProblem = conflict.description
            return false
        }
        if progress.projectedPause(stopped) > limits.maxPauseMicroseconds {
            progress.lastProblem =
                "stopping and checking every thread took \(stopped.elapsedMicroseconds) µs, "
                + "and detaching them is forecast at \(progress.forecastResume(stopped)) µs"
            hold.release(&progress)
            progress.lastConflict = nil
            return false
        }
        return try commitInStop(&hold, &progress, net: net, commit: commit, undo: undo)
    }

    /// The conflicts of this stop once the threads in the way ran toward their return (when
    /// allowed, and not given up on).
    private func conflictsLeft(_ stopped: StoppedProcess, _ progress: inout Progress) throws(AgentFailure)
        -> [SafePoint.Conflict]
    {
        let (views, conflicts) = try check(stopped, mappings: &progress.mappings)
        guard !conflicts.isEmpty && limits.runToReturn && progress.runs < Self.maximumFailedRuns else {
            return conflicts
        }
        // Threads inside a replaced function, running user code: let just them finish
        // their frames, the others stopped, then check again in this same stop.
        let checked = stopped.elapsedMicroseconds - stopped.stopMicroseconds
        let left = try letFramesFinish(
            stopped, conflicts: conflicts, views: views, mappings: &progress.mappings,
            reserve: progress.forecastResume(stopped) + 2 * checked + 100, deadline: progress.deadline)
        // A run that left threads in the way counts: a frame that never returns (a loop
        // that never ends) must not cost a budget-long stop at every retry.
        if stopped.ran.threads > 0 && !left.isEmpty {
            progress.runs += 1
            // And the threads get at least as long to run as this stop held them.
            progress.restAfterRun = stopped.elapsedMicroseconds * 1000
        }
        return left
    }

    /// At a safe point: arm the net, write, and keep the writes only when the whole pause still
    /// fits the budget (else `undo` in the same stop). True when committed.
    private func commitInStop(
        _ hold: inout CommitHold, _ progress: inout Progress, net: Bool,
        commit: (StoppedProcess) throws(AgentFailure) -> Void, undo: (StoppedProcess) -> Void
    ) throws(AgentFailure) -> Bool {
        let stopped = hold.stopped
        session.failpoints.reached(.afterStop)
        // The net: an agent dying among the writes leaves the threads group-stopped, not
        // running half a patch; the guardian makes the writes all or nothing.
        if net {
            SafetyNet.arm(process)
            hold.armed = true
        }
        stopped.mark("net")
        do {
            try commit(stopped)
        } catch {
            hold.release(&progress)
            throw error
        }
        stopped.mark("write")
        hold.committed = true
        session.failpoints.reached(.afterWritesBeforeDetach)
        if progress.projectedPause(stopped) > limits.maxPauseMicroseconds {
            undo(stopped)
            progress.lastProblem =
                "the stop with the writes took \(stopped.elapsedMicroseconds) µs, "
                + "and detaching is forecast at \(progress.forecastResume(stopped)) µs"
            progress.lastConflict = nil
            hold.release(&progress)
            return false
        }
        hold.release(&progress)
        return true
    }

    private func failure(verb: String, _ progress: Progress) -> AgentFailure {
        let (attempts, problem, conflict, runs) =
            (progress.attempts, progress.lastProblem, progress.lastConflict, progress.runs)
        let seconds = Double(limits.timeoutNanoseconds) / 1e9
        if let conflict {
            let ran =
                runs == 0
                ? ""
                : " (in \(runs) of them the threads in the way ran on toward their return, the others stopped, "
                    + "and did not get out within the --max-pause budget; after \(Self.maximumFailedRuns) such "
                    + "stops they are no longer run)"
            return AgentFailure(
                .noSafePoint,
                "\(process): no safe point to \(verb) within \(seconds) s (\(attempts) stops\(ran)): \(conflict); "
                    + "nothing was changed. Retry when tid \(conflict.tid) has left \(conflict.name), "
                    + "or raise --timeout",
                tid: conflict.tid, symbol: conflict.name)
        }
        return AgentFailure(
            .noSafePoint,
            "\(process): could not \(verb) within the --max-pause budget of \(limits.maxPauseMicroseconds) µs "
                + "(\(attempts) stops; last: \(problem)); nothing was changed. Raise --max-pause or retry on a "
                + "quieter machine")
    }

    /// Every stopped thread as the safe-point rule sees it, and the ones in the way. The stacks
    /// are scanned once; only a thread with a word that may return into a guarded range has its
    /// frames walked (``ReturnSlots``) and is checked again with what the walk found.
    func check(_ stopped: StoppedProcess, mappings: inout [MemoryMapping]) throws(AgentFailure)
        -> (views: [SafePoint.ThreadView], conflicts: [SafePoint.Conflict])
    {
        var views = try ThreadStacks.views(of: stopped, memory: memory, mappings: &mappings)
        stopped.mark("read")
        let conflicts = SafePoint.conflicts(threads: views, guards: guards)
        let suspects = Set(
            conflicts.lazy.filter {
                if case .returnAddress = $0.place { return true }
                return false
            }.map(\.tid))
        guard !suspects.isEmpty else {
            stopped.mark("check")
            return (views, conflicts)
        }
        returnSlots.attach(to: &views, walking: suspects, stopped: stopped, mappings: mappings)
        let walked = SafePoint.conflicts(threads: views.filter { suspects.contains($0.tid) }, guards: guards)
        let stillInTheWay = Dictionary(uniqueKeysWithValues: walked.map { ($0.tid, $0) })
        stopped.mark("check")
        return (views, conflicts.compactMap { suspects.contains($0.tid) ? stillInTheWay[$0.tid] : $0 })
    }
}
