import Foundation

extension Subprocess {
    /// Runs `executable` like `run` and also returns its peak resident set size in KiB: the
    /// largest `VmHWM` (the kernel's high-water mark of the program's own memory) read from
    /// `/proc/PID/status` every 20 ms while it runs. A memory bound, so it can be asserted on a
    /// busy machine, unlike a time.
    ///
    /// Not `wait4`'s `ru_maxrss`: a child started with posix_spawn shares this process's
    /// memory until its exec, and the kernel carries that high-water mark into the child's
    /// `ru_maxrss` (a test that had allocated 400 MB made a 54 MiB program measure 414 MiB).
    public static func runMeasuringPeakMemory(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil
    ) throws -> (result: ProgramResult, peakKiB: Int) {
        var peak = 0
        let result = try runCapturing(executable, arguments, environment: environment) { pid in
            var status: Int32 = 0
            while true {
                peak = max(peak, highWaterKiB(of: pid) ?? 0)
                let waited = waitpid(pid, &status, WNOHANG)
                if waited == pid || (waited < 0 && errno != EINTR) { break }
                usleep(20_000)
            }
            return exitStatus(fromWaitStatus: status)
        }
        return (result, peak)
    }

    /// `VmHWM` of `pid` in KiB; nil once it has no memory (exited, a zombie) or no such line.
    private static func highWaterKiB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else {
            return nil
        }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}
