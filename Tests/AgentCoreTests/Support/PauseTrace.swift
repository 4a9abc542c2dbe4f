import Foundation

/// The agent's pause trace (`HOTPATCH_PAUSE_TRACE`: one `pause-trace ...` line on stderr per
/// stop it puts a target through), as the tests switch it on and read it.
enum PauseTrace {
    /// One stop of one agent run.
    struct Hold: Equatable {
        /// `mmap`, `call`, `commit`, `munmap`.
        let step: String
        /// Threads held.
        let threads: Int
        /// The longest any thread was held (µs).
        let microseconds: UInt64
        /// Threads let run to their return inside the stop.
        let ran: Int
        /// How long they ran (µs).
        let runMicroseconds: UInt64
    }

    /// On for the agents the tests of this process run (from `setUp`).
    static func enable() { setenv("HOTPATCH_PAUSE_TRACE", "1", 1) }

    /// Off again (from `tearDown`).
    static func disable() { unsetenv("HOTPATCH_PAUSE_TRACE") }

    /// The trace lines of one agent run's output.
    static func lines(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.hasPrefix("pause-trace ") }
    }

    /// The stops of one agent run, in order.
    static func holds(_ output: String) -> [Hold] {
        lines(output).map { line in
            var fields: [Substring: Substring] = [:]
            for word in line.split(separator: " ") {
                guard let equals = word.firstIndex(of: "=") else { continue }
                fields[word[..<equals]] = word[word.index(after: equals)...]
            }
            return Hold(
                step: String(fields["step"] ?? ""), threads: Int(fields["threads"] ?? "") ?? -1,
                microseconds: UInt64(fields["pause_us"] ?? "") ?? 0, ran: Int(fields["ran"] ?? "") ?? 0,
                runMicroseconds: UInt64(fields["run_us"] ?? "") ?? 0)
        }
    }
}
