/// The mounts of `/proc/self/mountinfo`, to learn which mount holds a folder and its options
/// (`noexec` above all): pure parsing, tested with tables.
struct MountTable: Equatable {
    /// One mount.
    struct Mount: Equatable {
        /// Where it is mounted (octal escapes such as `\040` decoded).
        var mountPoint: String
        /// The per-mount options (field 6) and the superblock options (after `-`), merged.
        var options: [String]

        /// False when the mount forbids running programs from it.
        var allowsExec: Bool { !options.contains("noexec") }
    }

    /// Every mount, in the file's order (later ones stack over earlier ones).
    var mounts: [Mount]

    /// Parses mountinfo text; malformed lines are skipped.
    init(mountinfo: String) {
        mounts = mountinfo.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 10, let separator = fields.firstIndex(of: "-"), separator >= 6,
                separator + 3 < fields.count
            else { return nil }
            let perMount = fields[5].split(separator: ",").map(String.init)
            let superblock = fields[separator + 3].split(separator: ",").map(String.init)
            return Mount(
                mountPoint: Self.unescape(fields[4]),
                options: perMount + superblock.filter { !perMount.contains($0) })
        }
    }

    /// The mount holding absolute `path`: the longest mount point that is a prefix of it at a
    /// component boundary, the last such line when several stack on one point.
    func mount(holding path: String) -> Mount? {
        var best: Mount?
        for mount in mounts {
            let point = mount.mountPoint
            let inside =
                point == "/" || path == point
                || (path.hasPrefix(point) && path.dropFirst(point.count).first == "/")
            if inside, point.count >= (best?.mountPoint.count ?? 0) { best = mount }
        }
        return best
    }

    /// Decodes the kernel's `\NNN` octal escapes (space, tab, newline, backslash).
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
