import Foundation

/// The scheduler states of a process's threads, from `/proc/PID/task/*/stat`.
public enum ThreadStates {
    /// One state letter per thread (`R`, `S`, `T`, `t`, ...); empty when the process is gone.
    public static func of(_ pid: Int32) -> [Character] {
        let tasks = "/proc/\(pid)/task"
        let tids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        return tids.compactMap { tid in
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) S ...": the comm may hold spaces and parentheses, the state follows the last ')'.
            return stat[stat.index(after: close)...].first(where: { $0 != " " })
        }
    }

    /// Every thread's nice value (field 19 of its stat), by tid.
    public static func niceValues(_ pid: Int32) -> [Int32: Int32] {
        let tasks = "/proc/\(pid)/task"
        let tids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        var values: [Int32: Int32] = [:]
        for tid in tids {
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(tid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"), let number = Int32(tid)
            else { continue }
            // After the comm: state is field 3, nice field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 16, let nice = Int32(fields[16]) { values[number] = nice }
        }
        return values
    }

    /// Sets every thread's nice value (root may lower it too).
    public static func setNice(_ pid: Int32, to value: Int32) {
        for tid in niceValues(pid).keys { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), value) }
    }

    /// Sends SIGSTOP and waits until every thread is in group-stop (`T`). `kill` only queues
    /// the stop: a thread on another CPU keeps running for a moment, so a test that writes
    /// into the process must wait for this. Returns the last states seen when it timed out.
    public static func stop(_ pid: Int32, timeout: Duration = .seconds(10)) -> [Character]? {
        kill(pid, SIGSTOP)
        let deadline = ContinuousClock.now + timeout
        while true {
            let states = of(pid)
            if !states.isEmpty, states.allSatisfy({ $0 == "T" }) { return nil }
            if ContinuousClock.now >= deadline || states.isEmpty { return states }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}
