import Foundation
import Shared

/// The binaries `swift build` made, run by tests as a user runs them (separate processes): the
/// products folder is the one holding the running test bundle (`.build/debug`).
public enum BuiltProducts {
    /// The products folder: the one holding the running test executable (`swift test` runs
    /// `<scratch>/<triple>/<config>/hotpatchPackageTests.xctest`), whatever the scratch path.
    public static var directory: String {
        URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]
        ).deletingLastPathComponent().path
    }

    /// The coordinator, `hotpatch`.
    public static var hotpatch: String { directory + "/hotpatch" }
    /// The agent, `hotpatch-agent`.
    public static var agent: String { directory + "/hotpatch-agent" }

    /// Fails (never skips) when either binary is missing: `swift build --build-tests` makes both.
    public static func require() throws {
        for binary in [hotpatch, agent] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw SubprocessError(description: "\(binary) is not built; run swift build --build-tests first")
        }
    }
}

/// Runs the built `hotpatch` as a user would and loads the patches it writes.
public enum HotpatchCLI {
    /// The `hotpatch` executable.
    public static var path: String { BuiltProducts.hotpatch }

    /// Runs `hotpatch` with `arguments`.
    public static func run(_ arguments: [String]) throws -> ProgramResult {
        try Subprocess.run(path, arguments)
    }

    /// Loads a patch file.
    public static func load(_ path: String) throws -> PatchFile {
        try PatchFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
