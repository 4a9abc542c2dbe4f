import Shared

extension SafePointSwitch {
    /// How many times one stop lets the threads in the way run on (each run ends at a return
    /// address; a thread several guarded frames deep, or stopped at a wrong guess, needs more).
    static let maximumRuns = 8

    /// The least time worth letting threads run for (µs).
    static let minimumRunMicroseconds: UInt64 = 100

    /// Lets the threads in the way run to their return while every other thread stays stopped,
    /// within what the pause budget has left after `reserve` µs (the detach and the commit) and
    /// before `deadline` (monotonic ns, the --timeout), and
    /// checks the safe point again; returns the conflicts that remain (none: the commit can go
    /// ahead in this same stop). Only threads running in user code are run (see
    /// ``RunToReturn/threadsToRun(_:held:)``); otherwise `conflicts` come back unchanged.
    func letFramesFinish(
        _ stopped: StoppedProcess, conflicts: [SafePoint.Conflict], views: [SafePoint.ThreadView],
        mappings: inout [MemoryMapping], reserve: UInt64, deadline: UInt64
    ) throws(AgentFailure) -> [SafePoint.Conflict] {
        var conflicts = conflicts
        var views = views
        for _ in 0..<Self.maximumRuns {
            guard let tids = RunToReturn.threadsToRun(conflicts, held: stopped.threads) else {
                return conflicts
            }
            let spent = stopped.elapsedMicroseconds
            guard spent + reserve + Self.minimumRunMicroseconds < limits.maxPauseMicroseconds else {
                return conflicts
            }
            var breakpoints: [Tid: [RemoteAddress]] = [:]
            for tid in tids {
                guard let view = views.first(where: { $0.tid == tid }) else { return conflicts }
                let known = mappings
                let addresses = RunToReturn.stopAddresses(for: view, guards: guards) {
                    isReturnAddress($0, mappings: known)
                }
                if addresses.isEmpty { return conflicts }
                breakpoints[tid] = addresses
            }
            let budget = limits.maxPauseMicroseconds - spent - reserve
            // Never past --timeout either: the run is part of trying, not extra time.
            let until = min(Syscalls.monotonicNanoseconds() + budget * 1000, deadline)
            let ran = try stopped.run(to: breakpoints, until: until)
            // A thread that exited while running may be the whole process dying: no commit in
            // this stop; the next stop finds out (and reports an exit as such).
            if !ran.exited.isEmpty { return conflicts }
            (views, conflicts) = try check(stopped, mappings: &mappings)
            if conflicts.isEmpty { return [] }
        }
        return conflicts
    }

    /// True when `address` lies in executable memory right after a call instruction.
    private func isReturnAddress(_ address: UInt64, mappings: [MemoryMapping]) -> Bool {
        let window = UInt64(RunToReturn.callWindow)
        guard let code = ThreadStacks.mapping(containing: address, in: mappings), code.isExecutable,
            address >= code.start.rawValue + window,
            let bytes = try? memory.read(RemoteAddress(address - window), count: RunToReturn.callWindow)
        else { return false }
        return RunToReturn.endsWithCall(bytes)
    }
}
