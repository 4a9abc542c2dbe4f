import Foundation

extension Subprocess {
    /// Runs `executable` like `run` and also returns its peak resident set size in KiB: the
    /// kernel's `ru_maxrss` for exactly this child, from `wait4` (the VmHWM it reached; a
    /// memory bound, so it can be asserted on a busy machine, unlike a time).
    public static func runMeasuringPeakMemory(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil
    ) throws -> (result: ProgramResult, peakKiB: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spawn-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pid = try spawn(
            executable, arguments, stdout: folder + "/out", stderr: folder + "/err", environment: environment)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        let result = ProgramResult(
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
            stdout: (try? String(contentsOfFile: folder + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: folder + "/err", encoding: .utf8)) ?? "")
        return (result, Int(usage.ru_maxrss))
    }
}
