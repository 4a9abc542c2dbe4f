import Foundation

/// The gzip copy of a local file that uploads send instead of the file itself (the agent
/// shrinks to about 36 %), made once by the local `gzip` and kept under its content hash in
/// `$XDG_CACHE_HOME/hotpatch/gzip` (else `~/.cache/hotpatch/gzip`), so later runs reuse it.
///
/// Nothing here is trusted for correctness: the host expands the copy and checks the SHA-256
/// of the result against the original's before it takes the file's place. A broken cache file
/// therefore fails that check; it can never put wrong bytes where the agent should be.
enum GzipCopy {
    /// The cache folder.
    static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? SSHOptions.home + "/.cache"
        return base + "/hotpatch/gzip"
    }

    /// The gzip of `path` (whose content hashes to `sha256`): from the cache, else made now
    /// with `gzip -6 -n` and stored. Nil when gzip is missing or fails: the caller then sends
    /// the file as it is.
    static func make(of path: String, sha256: String) -> Data? {
        let cached = directory + "/" + sha256 + ".gz"
        if let data = FileManager.default.contents(atPath: cached), !data.isEmpty { return data }
        guard let data = runGzip(path) else { return nil }
        store(data, at: cached)
        return data
    }

    /// `gzip -6 -n -c PATH` (no name or time stamp in the header: the same input always gives
    /// the same bytes).
    private static func runGzip(_ path: String) -> Data? {
        guard let gzip = ["/usr/bin/gzip", "/bin/gzip"].first(where: FileManager.default.isExecutableFile)
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-6", "-n", "-c", "--", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Read to EOF before waiting: a full pipe would otherwise block gzip forever.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0, !data.isEmpty else {
            return nil
        }
        return data
    }

    /// Writes the copy to the cache atomically (temp name, then rename); a cache that cannot
    /// be written only costs the next run another gzip.
    private static func store(_ data: Data, at path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".part-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else { return }
        // A concurrent run may have stored the same copy first; theirs is as good as ours.
        if (try? FileManager.default.moveItem(atPath: temporary, toPath: path)) == nil {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }
}
