import ArgumentParser
import Fleet
import Foundation

/// How fleet commands end: a result's exit code, or a setup error printed to stderr with
/// exit code 1 (usage errors are ArgumentParser's, 64).
enum CommandFailure {
    /// Runs `body`; prints any error it throws as one line and exits 1.
    static func exitCode(_ body: () throws -> HotpatchExitCode) -> ExitCode {
        do {
            return ExitCode(try body().rawValue)
        } catch {
            // Errors quote hosts, inventories and files: shown escaped, never obeyed by the terminal.
            let line = Terminal.escaped("hotpatch: \(error)", multiline: true) + "\n"
            FileHandle.standardError.write(Data(line.utf8))
            return ExitCode(HotpatchExitCode.failure.rawValue)
        }
    }
}
