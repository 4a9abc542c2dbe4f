import Foundation

/// One program run by the source build: git, the project's build, never a shell the user did
/// not ask for (a `--build` command runs under `/bin/sh -c` because it is shell text).
struct Command {
    let executable: String
    let arguments: [String]
    var directory: String
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Runs to completion; output is appended to `log` (nil: captured and returned).
    @discardableResult
    func run(log: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let outputPath = log ?? (NSTemporaryDirectory() + "hotpatch-cmd-\(UUID().uuidString)")
        if !FileManager.default.fileExists(atPath: outputPath) {
            FileManager.default.createFile(atPath: outputPath, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: outputPath) else {
            throw SourceBuildError("cannot write \(outputPath); check the scratch directory is writable")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw SourceBuildError("cannot run \(executable): \(error)")
        }
        process.waitUntilExit()
        guard log == nil else { return (process.terminationStatus, "") }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output)
    }

    /// `git ARGS` in `directory`, its output on success; a failure names the command.
    static func git(_ arguments: [String], in directory: String) throws -> String {
        let result = try Command(executable: "/usr/bin/git", arguments: arguments, directory: directory).run()
        guard result.status == 0 else {
            throw SourceBuildError(
                "git \(arguments.joined(separator: " ")) failed in \(directory): "
                    + result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }

    /// The absolute path of `name` on `PATH` (skipping `excluding`), nil when absent.
    static func which(_ name: String, excluding: String? = nil) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) where directory != excluding {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
