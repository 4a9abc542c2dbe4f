import Foundation

/// A temporary directory where a test writes C sources and compiles them with the real gcc,
/// so ELF and patch tests run on genuine compiler output. Removed by ``remove()``.
public final class CFixture: @unchecked Sendable {
    // @unchecked: immutable after init; each test owns its fixture.

    /// The directory holding sources and outputs.
    public let directory: String

    /// Creates a fresh directory under the system temporary directory.
    public init(_ label: String = "cfixture") throws {
        let template = NSTemporaryDirectory() + "hotpatch-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw CFixtureError(message: "mkdtemp \(template) failed: errno \(errno)")
        }
        directory = String(cString: made)
    }

    /// The full path of `name` inside the fixture directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Writes `source` to `name` (creating folders on the way) and returns its path.
    @discardableResult
    public func write(_ name: String, _ source: String) throws -> String {
        let file = path(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs gcc with `arguments` in the fixture directory; throws gcc's stderr on failure.
    public func gcc(_ arguments: [String]) throws {
        let result = try Subprocess.run("/usr/bin/gcc", arguments, currentDirectory: directory)
        guard result.status == 0 else {
            throw CFixtureError(message: "gcc \(arguments.joined(separator: " ")) failed:\n\(result.stderr)")
        }
    }

    /// Compiles `source` (written as `name.c`) to an object `name.o` and returns its path.
    /// Default flags are the ones `hotpatch create` asks users for.
    @discardableResult
    public func object(
        _ name: String, _ source: String,
        flags: [String] = ["-O2", "-fPIC", "-ffunction-sections", "-fdata-sections"]
    ) throws -> String {
        try write(name + ".c", source)
        try gcc(flags + ["-c", name + ".c", "-o", name + ".o"])
        return path(name + ".o")
    }

    /// Compiles and links `source` into the executable or shared library `output`.
    @discardableResult
    public func link(_ output: String, _ source: String, flags: [String]) throws -> String {
        try write(output + ".c", source)
        try gcc(flags + [output + ".c", "-o", output])
        return path(output)
    }

    /// The bytes of a file in the fixture (or anywhere).
    public func bytes(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file.hasPrefix("/") ? file : path(file))))
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A fixture step that failed (gcc error, temp dir not creatable).
public struct CFixtureError: Error, CustomStringConvertible {
    /// What failed, with the compiler's output.
    public let message: String
    /// The one-line text users see.
    public var description: String { message }
}
