import CSodium
import Glibc

/// Ed25519 verification in libsodium, and the file facts the trust policy decides on.
extension Syscalls {
    /// What `fstat` says about an open file: owner, mode bits and whether it is a regular file.
    struct FileFacts {
        let uid: UInt32
        let mode: UInt32
        let isRegular: Bool
        let isDirectory: Bool
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by the 32-byte `publicKey`
    /// (libsodium, linked into the agent: nothing on the host is needed to check it).
    static func verifyEd25519(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        precondition(publicKey.count == 32 && signature.count == 64, "Ed25519 sizes")
        let result = publicKey.withUnsafeBufferPointer { key in
            signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in
                    csodium_ed25519_verify(key.baseAddress, sig.baseAddress, msg.baseAddress, msg.count)
                }
            }
        }
        return result == 1
    }

    /// The user who ran the agent through sudo (`SUDO_UID`, set by sudo itself), or nil.
    static var sudoUser: UInt32? {
        guard let value = getenv("SUDO_UID") else { return nil }
        return UInt32(String(cString: value))
    }

    /// Facts about `path` itself (symbolic links not followed: a link is neither file nor folder).
    static func linkFacts(_ path: String) throws(SystemError) -> FileFacts {
        var info = stat()
        if lstat(path, &info) != 0 { throw SystemError(operation: "lstat \(path)", errno: Errno(rawValue: errno)) }
        return facts(info)
    }

    /// Reads a whole file and its facts from the same open descriptor, so the facts checked are
    /// those of the bytes read (no swap between a `stat` and the `open`).
    static func readWithFacts(_ path: String) throws(SystemError) -> (bytes: [UInt8], facts: FileFacts) {
        let fd = try Syscalls.open(path, flags: [.readOnly, .noFollow])
        defer { fd.close() }
        var info = stat()
        if fstat(fd.rawValue, &info) != 0 { throw SystemError(operation: "fstat \(path)", errno: Errno(rawValue: errno)) }
        let facts = facts(info)
        guard facts.isRegular else { return ([], facts) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress!, $0.count) }
            if count == 0 { return (bytes, facts) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "read \(path)", errno: Errno(rawValue: errno))
            }
            bytes += chunk[0..<count]
        }
    }

    private static func facts(_ info: stat) -> FileFacts {
        FileFacts(
            uid: info.st_uid, mode: info.st_mode & 0o7777, isRegular: info.st_mode & S_IFMT == S_IFREG,
            isDirectory: info.st_mode & S_IFMT == S_IFDIR)
    }
}
