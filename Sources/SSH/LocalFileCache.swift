import Crypto
import Foundation
import Synchronization

/// A local file read once per run: its bytes, SHA-256 and (when it pays) a gzip copy, shared
/// by every session. A rollout uploads the same 7 MB agent to hundreds of hosts; hashing and
/// reading it per host per phase cost seconds of CPU on the coordinator's two cores.
struct LocalFile: Sendable {
    /// The local path it was read from.
    let path: String
    /// Its content.
    let bytes: Data
    /// SHA-256 of `bytes`, lowercase hex (the content address on the host).
    let sha256: String
    /// gzip of `bytes`, when that is under 90 % of the size and `gzip` ran; else nil.
    let gzipped: Data?
    /// SHA-256 of `gzipped`, lowercase hex: what the host checks before it expands the copy.
    let gzippedSHA256: String?
}

/// Process-wide cache of ``LocalFile``s, keyed by path and checked against the file's size,
/// inode and modification time, so a file changed during the run is read again.
enum LocalFileCache {
    /// Files smaller than this are sent as they are: compressing saves nothing worth a process.
    static let compressionThreshold = 64 * 1024

    private struct Entry: Sendable {
        let stamp: FileStamp
        let file: LocalFile
    }

    private static let entries = Mutex<[String: Entry]>([:])
    /// Held while a file is read and compressed, so 50 threads asking at once wait for the
    /// first instead of all gzipping the agent at the same time.
    private static let loading = NSLock()

    /// The file at `path`, read (and compressed, when `compress`) at most once per content.
    static func file(_ path: String, compress: Bool) throws(HostConnectionError) -> LocalFile {
        let stamp = try FileStamp(path)
        if let hit = entries.withLock({ $0[path] }), hit.stamp == stamp,
            !compress || hit.file.gzipped != nil
                || hit.file.bytes.count < compressionThreshold
        {
            return hit.file
        }
        loading.lock()
        defer { loading.unlock() }
        if let hit = entries.withLock({ $0[path] }), hit.stamp == stamp {
            if !compress || hit.file.gzipped != nil || hit.file.bytes.count < compressionThreshold {
                return hit.file
            }
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw HostConnectionError(
                host: "local", phase: .sftp, message: "cannot read local file \(path)",
                nextStep: "check the path and its permissions")
        }
        let digest = hex(SHA256.hash(data: bytes))
        let gzipped =
            compress && bytes.count >= compressionThreshold ? GzipCopy.make(of: path, sha256: digest) : nil
        let worthIt = gzipped.flatMap { $0.count * 10 < bytes.count * 9 ? $0 : nil }
        let file = LocalFile(
            path: path, bytes: bytes, sha256: digest, gzipped: worthIt,
            gzippedSHA256: worthIt.map { hex(SHA256.hash(data: $0)) })
        entries.withLock { $0[path] = Entry(stamp: stamp, file: file) }
        return file
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// What identifies a version of a local file without reading it.
private struct FileStamp: Equatable, Sendable {
    let size: Int64
    let inode: UInt64
    let modified: Double

    init(_ path: String) throws(HostConnectionError) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw HostConnectionError(
                host: "local", phase: .sftp, message: "cannot read local file \(path)",
                nextStep: "check the path and its permissions")
        }
        size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    }
}
