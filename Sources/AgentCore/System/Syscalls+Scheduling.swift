import Shared

#if canImport(Glibc)
    import Glibc
#endif

/// Scheduling: the agent's own real-time boost (``SchedulingBoost``) and a borrowed thread's
/// nice value (``BorrowedThreadPriority``).
extension Syscalls {
    /// Puts the calling thread in the lowest real-time class (`SCHED_FIFO` 1, reset on fork) if
    /// it is in the normal one; false when it is not or may not be (no CAP_SYS_NICE).
    static func raiseToRealtime() -> Bool {
        guard sched_getscheduler(0) == SCHED_OTHER else { return false }
        var param = sched_param()
        param.sched_priority = 1
        // SCHED_RESET_ON_FORK (0x40000000) is behind _GNU_SOURCE in the headers; see cptrace.h.
        return sched_setscheduler(0, SCHED_FIFO | 0x4000_0000, &param) == 0
    }

    /// Puts the calling thread back in the normal scheduling class (its nice value is kept).
    static func lowerFromRealtime() {
        var param = sched_param()
        param.sched_priority = 0
        _ = sched_setscheduler(0, SCHED_OTHER, &param)
    }

    /// A thread's nice value (-20...19); nil when it cannot be read (gone).
    static func niceValue(of tid: Tid) -> Int32? {
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid.rawValue))
        return value == -1 && errno != 0 ? nil : value
    }

    /// Sets a thread's nice value; false when not allowed (lowering it needs CAP_SYS_NICE) or gone.
    @discardableResult
    static func setNiceValue(_ value: Int32, of tid: Tid) -> Bool {
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid.rawValue), value) == 0
    }

    /// Processors online (`sysconf`), at least 1.
    static var onlineProcessors: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Threads running or waiting for a processor on the whole machine right now, the caller
    /// not counted (the fourth field of `/proc/loadavg`, `running/total`); nil when unreadable.
    static func runnableThreads() -> Int? {
        guard let bytes = try? readFile("/proc/loadavg") else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: "/"), let running = Int(fields[3][..<slash])
        else { return nil }
        return max(0, running - 1)
    }
}
