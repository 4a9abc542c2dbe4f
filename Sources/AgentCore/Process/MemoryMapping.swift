import Shared

/// One line of `/proc/PID/maps`: an address range with its protection and what backs it.
struct MemoryMapping: Equatable, Sendable {
    /// First address of the range.
    let start: RemoteAddress
    /// One past the last address.
    let end: RemoteAddress
    /// The `rwxp` flags as printed.
    let permissions: String
    /// Offset into the backing file.
    let fileOffset: UInt64
    /// Inode of the backing file (0 for anonymous memory).
    let inode: UInt64
    /// The path (`/usr/lib/...`, `[stack]`, `[vdso]`), nil for anonymous memory. A deleted file
    /// keeps its path with ` (deleted)` appended, as the kernel prints it.
    let path: String?

    /// True when the range may be read.
    var isReadable: Bool { permissions.hasPrefix("r") }
    /// True when the range may be executed.
    var isExecutable: Bool { permissions.utf8.dropFirst(2).first == UInt8(ascii: "x") }
    /// True when nothing backs it (no file, no special name).
    var isAnonymous: Bool { path == nil && inode == 0 }
    /// Length in bytes.
    var size: UInt64 { end.rawValue - start.rawValue }
    /// True when the address lies inside.
    func contains(_ address: RemoteAddress) -> Bool { start <= address && address < end }
    /// The name `/proc/PID/map_files` uses for this range.
    var mapFilesName: String {
        String(start.rawValue, radix: 16) + "-" + String(end.rawValue, radix: 16)
    }

    /// Parses one line of `/proc/PID/maps`; nil for a line it cannot read.
    init?(line: Substring) {
        // "start-end perms offset dev inode   path" — the path may contain spaces.
        var fields: [Substring] = []
        var rest = line[...]
        for _ in 0..<5 {
            rest = rest.drop(while: { $0 == " " })
            guard let space = rest.firstIndex(of: " ") else {
                fields.append(rest)
                rest = rest[rest.endIndex...]
                continue
            }
            fields.append(rest[..<space])
            rest = rest[space...]
        }
        guard fields.count == 5 else { return nil }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt64(range[0], radix: 16),
            let end = UInt64(range[1], radix: 16),
            let offset = UInt64(fields[2], radix: 16), let inode = UInt64(fields[4])
        else { return nil }
        let path = rest.drop(while: { $0 == " " })
        self.start = RemoteAddress(start)
        self.end = RemoteAddress(end)
        self.permissions = String(fields[1])
        self.fileOffset = offset
        self.inode = inode
        self.path = path.isEmpty ? nil : String(path)
    }

    /// Builds a mapping from its parts (tests and placement).
    init(
        start: RemoteAddress, end: RemoteAddress, permissions: String, fileOffset: UInt64 = 0,
        inode: UInt64 = 0,
        path: String? = nil
    ) {
        self.start = start
        self.end = end
        self.permissions = permissions
        self.fileOffset = fileOffset
        self.inode = inode
        self.path = path
    }
}

extension MemoryMapping {
    /// Parses a whole `/proc/PID/maps` text.
    static func parse(_ text: String) -> [MemoryMapping] {
        text.split(separator: "\n").compactMap { MemoryMapping(line: $0) }
    }
}
