import Foundation
import TestSupport

/// A case's program running as a real process, its stdout going to a file the runner reads to see
/// which code is running. Killed by ``stop()`` (the runner calls it on every path).
final class CorpusProgram: @unchecked Sendable {
    // @unchecked: every property is set once in init; each case run owns its program.

    /// The process id.
    let pid: pid_t
    /// Where its stdout goes.
    let stdoutPath: String
    /// Where its stderr goes.
    let stderrPath: String

    /// Starts `executable` with stdout and stderr into files in `work`.
    init(_ executable: String, in work: String) throws {
        stdoutPath = work + "/stdout"
        stderrPath = work + "/stderr"
        pid = try Subprocess.spawn(
            executable, [], stdout: stdoutPath, stderr: stderrPath, currentDirectory: work)
    }

    /// The number of bytes of stdout so far: a mark to wait for lines printed after it.
    var mark: Int { Int((try? FileManager.default.attributesOfItem(atPath: stdoutPath)[.size] as? Int) ?? 0) }

    /// The complete lines printed after byte `mark`.
    func lines(after mark: Int) -> [Substring] {
        guard let handle = FileHandle(forReadingAtPath: stdoutPath) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(mark))
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        guard let lastNewline = text.lastIndex(of: "\n") else { return [] }
        return text[..<lastNewline].split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Waits until `line` is printed after `mark` (true), the process exits or `timeout` passes.
    /// Polls: the program prints every ~10 ms, and a busy 2-core machine may delay it by seconds.
    func waitForLine(_ line: String, after mark: Int, timeout: Duration = .seconds(20)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lines(after: mark).contains(where: { $0 == line }) { return true }
            if !isAlive { return lines(after: mark).contains(where: { $0 == line }) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// True while the process runs: it exists and is not a zombie (`/proc/PID/stat` state `Z`).
    var isAlive: Bool {
        guard kill(pid, 0) == 0,
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].first(where: { $0 != " " })
        return state != "Z" && state != "X"
    }

    /// What the program printed last and on stderr, for failure messages.
    func tail(_ count: Int = 5) -> String {
        let out = lines(after: 0).suffix(count).joined(separator: "\n")
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let state = isAlive ? "running" : "NOT running"
        return "program (pid \(pid), \(state)) last printed:\n\(out)"
            + (err.isEmpty ? "" : "\nstderr:\n\(err)")
    }

    /// Kills the program and reaps it.
    func stop() {
        kill(pid, SIGKILL)
        Subprocess.wait(pid)
    }
}
