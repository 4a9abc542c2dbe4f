import Shared

/// An ELF file mapped into a process (the executable or a shared library): its mappings, the
/// file the kernel actually mapped (through `/proc/PID/map_files`, which still reaches the old
/// file after it was replaced or deleted on disk), and its load bias.
struct LoadedModule {
    /// The path as `/proc/PID/maps` prints it.
    let path: String
    /// Inode of the mapped file.
    let inode: UInt64
    /// Every mapping of the file, lowest first.
    let mappings: [MemoryMapping]
    /// The process it is loaded in.
    let process: TargetProcess

    /// Lowest address of the module.
    var start: RemoteAddress { mappings[0].start }
    /// One past its highest address.
    var end: RemoteAddress { mappings.map(\.end).max()! }

    /// The path under which the kernel's mapped file can be opened.
    var mappedFilePath: String { "/proc/\(process.pid)/map_files/\(mappings[0].mapFilesName)" }

    /// The modules of a process, in the order they appear in its address space, executable-backed
    /// mappings only grouped by file.
    static func all(in process: TargetProcess, mappings: [MemoryMapping]) -> [LoadedModule] {
        var order: [String] = []
        var groups: [String: [MemoryMapping]] = [:]
        for mapping in mappings where mapping.inode != 0 {
            guard let path = mapping.path, path.hasPrefix("/") else { continue }
            let key = "\(mapping.inode):\(path)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(mapping)
        }
        return order.compactMap { key in
            let group = groups[key]!
            // A module's first mapping holds its ELF header (file offset 0).
            guard group[0].fileOffset == 0, group.contains(where: \.isExecutable) else { return nil }
            return LoadedModule(
                path: group[0].path!, inode: group[0].inode, mappings: group, process: process)
        }
    }

    /// The GNU build-id of the mapped file, read from its first page (ELF header + notes).
    func buildID(memory: RemoteMemory) throws(AgentFailure) -> BuildID? {
        let prefix = try memory.readUpTo(start, count: Int(min(mappings[0].size, 65536)))
        return ELFPrefix.buildID(in: prefix)
    }

    /// The load bias: the process address of the module's linked address 0.
    func bias(memory: RemoteMemory) throws(AgentFailure) -> UInt64 {
        let prefix = try memory.readUpTo(start, count: Int(min(mappings[0].size, 65536)))
        guard let firstLoad = ELFPrefix.firstLoadAddress(in: prefix) else {
            throw AgentFailure(.failed, "\(process): \(path) at \(start) has no readable ELF program headers")
        }
        return start.rawValue &- (firstLoad & ~(PatchLayout.pageSize - 1))
    }

    /// The whole mapped file, read through `/proc/PID/map_files` (falls back to the path when the
    /// kernel refuses map_files, e.g. inside some containers).
    func fileBytes() throws(AgentFailure) -> [UInt8] {
        if let bytes = try? Syscalls.readFile(mappedFilePath) { return bytes }
        do {
            return try Syscalls.readFile("/proc/\(process.pid)/root" + path)
        } catch {
            throw process.exitedOrUnreadable(error, reading: mappedFilePath)
        }
    }
}

/// Reads the few things the agent needs from the first bytes of a mapped ELF file (the ELF
/// header and the notes that follow the program headers), without the whole file.
enum ELFPrefix {
    /// The `NT_GNU_BUILD_ID` of a `PT_NOTE` inside the prefix.
    static func buildID(in bytes: [UInt8]) -> BuildID? {
        for header in programHeaders(bytes) where header.type == 4 {  // PT_NOTE
            var at = Int(header.offset)
            let end = Int(min(header.offset + header.size, UInt64(bytes.count)))
            while at + 12 <= end {
                let nameSize = Int(u32(bytes, at)), descSize = Int(u32(bytes, at + 4)),
                    type = u32(bytes, at + 8)
                let nameStart = at + 12
                let descStart = nameStart + (nameSize + 3) & ~3
                guard descStart + descSize <= end else { break }
                if type == 3 && nameSize == 4
                    && Array(bytes[nameStart..<(nameStart + 3)]) == Array("GNU".utf8)
                {
                    return BuildID(bytes: Array(bytes[descStart..<(descStart + descSize)]))
                }
                at = descStart + (descSize + 3) & ~3
            }
        }
        return nil
    }

    /// `p_vaddr` of the first `PT_LOAD`.
    static func firstLoadAddress(in bytes: [UInt8]) -> UInt64? {
        programHeaders(bytes).first { $0.type == 1 }?.virtualAddress
    }

    private static func programHeaders(_ bytes: [UInt8]) -> [(
        type: UInt32, offset: UInt64, virtualAddress: UInt64, size: UInt64
    )] {
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2 else { return [] }
        let tableOffset = Int(u64(bytes, 0x20)), entrySize = Int(u16(bytes, 0x36)),
            count = Int(u16(bytes, 0x38))
        guard entrySize >= 56, tableOffset > 0 else { return [] }
        return (0..<count).compactMap { index in
            let at = tableOffset + index * entrySize
            guard at + 56 <= bytes.count else { return nil }
            return (u32(bytes, at), u64(bytes, at + 8), u64(bytes, at + 16), u64(bytes, at + 32))
        }
    }

    private static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << ($1 * 8) }
    }
    private static func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << ($1 * 8) }
    }
}
