extension StoppedProcess {
    /// With HOTPATCH_PAUSE_TRACE set, one line on stderr per stop: which step, where its time
    /// went (bench/scale and bench/stall read it), and for an injected step its sub-steps
    /// (`subs=stop:40,set_regs:3,...`, µs each, the last one up to the detach).
    func tracePause(threads threadCount: Int, heldUntil started: UInt64, endedAt ended: UInt64) {
        guard Syscalls.environment("HOTPATCH_PAUSE_TRACE") != nil else { return }
        let held = (started - stopStarted) / 1000
        var previous = stopStarted
        var subs: [String] = []
        for (name, at) in marks {
            subs.append("\(name):\((at - min(at, previous)) / 1000)")
            previous = at
        }
        Syscalls.print(
            "pause-trace pid=\(process.pid) step=\(step) threads=\(threadCount) "
                + "boosted=\(boost.wasRaised ? 1 : 0) boost=\(boost.traceName) "
                + "seize_us=\(seizeMicroseconds) stop_us=\(stopMicroseconds) "
                + "check_write_us=\(held - min(held, stopMicroseconds)) detach_us=\(resumeMicroseconds) "
                + "ran=\(ran.threads) run_us=\(ran.microseconds) "
                + (subs.isEmpty ? "" : "subs=\(subs.joined(separator: ",")) ")
                + "window_us=\((ended - stopStarted) / 1000) pause_us=\(pauseMicroseconds)\n", toError: true)
    }
}
