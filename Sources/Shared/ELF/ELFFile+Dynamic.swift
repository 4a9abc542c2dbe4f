/// One entry of the dynamic section (`Elf64_Dyn`).
public struct ELFDynamicEntry: Sendable, Equatable {
    /// `d_tag` (`DT_NEEDED` = 1, `DT_STRTAB` = 5, `DT_SONAME` = 14, ...).
    public let tag: Int64
    /// `d_val` / `d_ptr`.
    public let value: UInt64

    /// `DT_NEEDED`: a library this module needs (value: offset into the dynamic string table).
    public static let needed: Int64 = 1
    /// `DT_STRTAB`: address of the dynamic string table.
    public static let stringTable: Int64 = 5
    /// `DT_SONAME`: this library's own name.
    public static let soname: Int64 = 14
}

extension ELFFile {
    /// The dynamic entries up to `DT_NULL` (empty for static executables and objects).
    public func dynamicEntries() throws -> [ELFDynamicEntry] {
        let range: Range<Int>
        if let section = sections.first(where: { $0.type == .dynamic }) {
            range = try reader.range(offset: section.offset, size: section.size, what: "dynamic section")
        } else if let segment = programHeaders.first(where: { $0.type == ELFProgramHeader.dynamic }) {
            range = try reader.range(offset: segment.offset, size: segment.fileSize, what: "dynamic segment")
        } else {
            return []
        }
        var entries: [ELFDynamicEntry] = []
        for at in stride(from: range.lowerBound, to: range.upperBound - 15, by: 16) {
            let tag = Int64(bitPattern: reader.u64(at))
            if tag == 0 { break }
            entries.append(ELFDynamicEntry(tag: tag, value: reader.u64(at + 8)))
        }
        return entries
    }

    /// The `DT_NEEDED` library names, in order (e.g. `["libparity.so", "libc.so.6"]`).
    public func neededLibraries() throws -> [String] {
        let entries = try dynamicEntries()
        let needed = entries.filter { $0.tag == ELFDynamicEntry.needed }
        guard !needed.isEmpty else { return [] }
        let strings = try dynamicStrings(entries)
        return try needed.map {
            try ByteReader.string(in: strings, at: UInt32(truncatingIfNeeded: $0.value), what: "DT_NEEDED")
        }
    }

    /// The `DT_SONAME`, or nil (executables, libraries linked without one).
    public func soname() throws -> String? {
        let entries = try dynamicEntries()
        guard let entry = entries.first(where: { $0.tag == ELFDynamicEntry.soname }) else { return nil }
        return try ByteReader.string(
            in: try dynamicStrings(entries), at: UInt32(truncatingIfNeeded: entry.value), what: "DT_SONAME")
    }

    /// The string at `offset` in the dynamic string table (for `DT_RUNPATH`, `DT_RPATH`, ...).
    public func dynamicString(at offset: UInt64) throws -> String {
        try ByteReader.string(
            in: try dynamicStrings(try dynamicEntries()), at: UInt32(truncatingIfNeeded: offset),
            what: "dynamic string")
    }

    /// The dynamic string table: `.dynsym`'s linked section, else `DT_STRTAB` mapped through `PT_LOAD`.
    private func dynamicStrings(_ entries: [ELFDynamicEntry]) throws -> ArraySlice<UInt8> {
        if let dynamic = sections.first(where: { $0.type == .dynamic }) {
            return try contents(of: try section(at: Int(dynamic.link), for: "dynamic section"))
        }
        guard let address = entries.first(where: { $0.tag == ELFDynamicEntry.stringTable })?.value,
            let segment = programHeaders.first(where: {
                $0.type == ELFProgramHeader.load && address >= $0.virtualAddress
                    && address - $0.virtualAddress < $0.fileSize
            })
        else { throw ELFError.malformed("DT_STRTAB missing or outside every PT_LOAD segment") }
        // A hostile p_offset near 2^64 must not overflow (found by Fuzz/PatchFuzz).
        let (offset, overflow) = segment.offset.addingReportingOverflow(address - segment.virtualAddress)
        guard !overflow else { throw ELFError.malformed("DT_STRTAB's segment has file offset beyond 2^64") }
        let size = segment.fileSize - (address - segment.virtualAddress)
        return try reader.slice(offset: offset, size: size, what: "dynamic string table")
    }

    /// The file offset holding the byte at virtual address `address` (via `PT_LOAD`), or nil.
    public func fileOffset(ofAddress address: UInt64) -> UInt64? {
        for segment in programHeaders where segment.type == ELFProgramHeader.load {
            if address >= segment.virtualAddress, address - segment.virtualAddress < segment.fileSize {
                // A hostile p_offset near 2^64 maps nothing rather than overflowing (Fuzz/PatchFuzz).
                let (offset, overflow) = segment.offset.addingReportingOverflow(
                    address - segment.virtualAddress)
                if !overflow { return offset }
            }
        }
        return nil
    }

    /// `count` bytes of the loaded image at `address` (as linked), read through `PT_LOAD`.
    public func bytes(atAddress address: UInt64, count: UInt64) throws -> ArraySlice<UInt8> {
        guard let offset = fileOffset(ofAddress: address) else {
            throw ELFError.malformed("address 0x\(String(address, radix: 16)) is not in any loaded segment")
        }
        return try reader.slice(offset: offset, size: count, what: "bytes at 0x\(String(address, radix: 16))")
    }
}
