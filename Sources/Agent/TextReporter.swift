import AgentCore
import Shared

/// Writes a report for people: one line per process (and one per patch for `status`).
/// Failures go to standard error, everything else to standard output.
enum TextReporter {
    /// Prints the report.
    static func print(_ report: AgentReport) {
        for process in report.processes {
            let who = "pid \(process.pid)" + (process.executable.isEmpty ? "" : " (\(process.executable))")
            switch process.outcome {
            case .failed:
                let error = process.error
                Syscalls.print(
                    "\(who): failed [\(error?.kind.name ?? "failed")]: \(error?.message ?? "")\n",
                    toError: true)
            case .inspected:
                if process.patches.isEmpty { Syscalls.print("\(who): no patches\n") }
                for patch in process.patches {
                    let entries = patch.entries.map { "\($0.symbol ?? "\($0.address)") \($0.state.rawValue)" }
                    Syscalls.print(
                        "\(who): \(patch.id) \(patch.state.rawValue) at \(patch.address) "
                            + "[\(entries.joined(separator: ", "))] sha256 \(patch.contentHash.prefix(16))"
                            + (patch.unwind.map { " unwind: \($0)" } ?? "") + "\n")
                }
            default:
                var line = "\(who): \(process.outcome.rawValue) \(report.patchID ?? "")"
                if let pause = process.pauseMicroseconds {
                    line +=
                        " (pause \(pause) µs, \(process.attempts ?? 1) stop\((process.attempts ?? 1) == 1 ? "" : "s"))"
                }
                for unwind in process.patches.filter({ $0.id == report.patchID }).compactMap(\.unwind) {
                    line += " unwind: \(unwind)"
                }
                Syscalls.print(line + "\n")
            }
        }
        for file in report.files ?? [] {
            let build = file.buildID.map { "build \($0)" } ?? "no build-id"
            let line =
                "\(file.path): \(file.action.rawValue), \(build)"
                + (file.backup.map { ", backup \($0)" } ?? "") + (file.message.map { ": \($0)" } ?? "") + "\n"
            Syscalls.print(line, toError: !file.action.isSuccess)
        }
        if let signature = report.signature {
            Syscalls.print("patch \(report.patchID ?? ""): \(signature.summary)\n")
        }
        if let message = report.message { Syscalls.print("hotpatch-agent: \(message)\n", toError: true) }
    }
}
