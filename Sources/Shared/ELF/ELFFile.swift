/// A parsed 64-bit little-endian x86-64 ELF file held in memory: header, section headers and
/// program headers up front; symbols, relocations, notes and dynamic entries on request.
///
/// Every offset, size and index read from the file is checked before use, so a truncated or
/// hostile file throws an ``ELFError`` and never traps.
public struct ELFFile: Sendable {
    /// The whole file image.
    public let bytes: [UInt8]
    /// The file header.
    public let header: ELFHeader
    /// Every section header, index 0 (`SHT_NULL`) included, with resolved names.
    public let sections: [ELFSection]
    /// Every program header (empty for relocatable objects).
    public let programHeaders: [ELFProgramHeader]

    let reader: ByteReader

    /// Parses the header, section headers and program headers of `bytes`.
    public init(bytes: [UInt8]) throws {
        let reader = ByteReader(bytes: bytes)
        self.reader = reader
        self.bytes = bytes
        header = try ELFHeader(reader)
        programHeaders = try ELFFile.parseProgramHeaders(header, reader)
        sections = try ELFFile.parseSections(header, reader)
    }

    /// The first section called `name`.
    public func section(named name: String) -> ELFSection? {
        sections.first { $0.name == name }
    }

    /// The section at `index`, or a malformed-file error naming `user` (who referred to it).
    public func section(at index: Int, for user: @autoclosure () -> String) throws -> ELFSection {
        guard index >= 0, index < sections.count else {
            throw ELFError.malformed("\(user()) refers to section \(index), but there are \(sections.count)")
        }
        return sections[index]
    }

    /// The bytes of `section` in the file (empty for `SHT_NOBITS`).
    public func contents(of section: ELFSection) throws -> ArraySlice<UInt8> {
        if section.type == .nobits || section.type == .null { return [] }
        return try reader.slice(offset: section.offset, size: section.size, what: "section \(section.name)")
    }

    private static func parseProgramHeaders(_ header: ELFHeader, _ reader: ByteReader) throws
        -> [ELFProgramHeader]
    {
        guard header.programHeaderCount > 0 else { return [] }
        guard header.programHeaderEntrySize == 56 else {
            throw ELFError.malformed(
                "program header entry size \(header.programHeaderEntrySize), expected 56")
        }
        let table = try reader.range(
            offset: header.programHeaderOffset, size: UInt64(header.programHeaderCount) * 56,
            what: "program header table")
        return stride(from: table.lowerBound, to: table.upperBound, by: 56).map { at in
            ELFProgramHeader(
                type: reader.u32(at), flags: reader.u32(at + 4), offset: reader.u64(at + 8),
                virtualAddress: reader.u64(at + 16), fileSize: reader.u64(at + 32),
                memorySize: reader.u64(at + 40), alignment: reader.u64(at + 48))
        }
    }

    private static func parseSections(_ header: ELFHeader, _ reader: ByteReader) throws -> [ELFSection] {
        guard header.sectionHeaderCount > 0 else { return [] }
        guard header.sectionHeaderEntrySize == 64 else {
            throw ELFError.malformed(
                "section header entry size \(header.sectionHeaderEntrySize), expected 64")
        }
        let table = try reader.range(
            offset: header.sectionHeaderOffset, size: UInt64(header.sectionHeaderCount) * 64,
            what: "section header table")
        let raw = stride(from: table.lowerBound, to: table.upperBound, by: 64).map { at in
            (
                nameOffset: reader.u32(at), type: reader.u32(at + 4), flags: reader.u64(at + 8),
                address: reader.u64(at + 16), offset: reader.u64(at + 24), size: reader.u64(at + 32),
                link: reader.u32(at + 40), info: reader.u32(at + 44), alignment: reader.u64(at + 48),
                entrySize: reader.u64(at + 56)
            )
        }
        var names: ArraySlice<UInt8> = []
        if header.sectionNameTableIndex != 0 {
            guard header.sectionNameTableIndex < raw.count else {
                throw ELFError.malformed(
                    "section name table index \(header.sectionNameTableIndex) beyond \(raw.count) sections")
            }
            let table = raw[header.sectionNameTableIndex]
            names = try reader.slice(offset: table.offset, size: table.size, what: "section name table")
        }
        return try raw.enumerated().map { index, section in
            let name =
                names.isEmpty
                ? "" : try ByteReader.string(in: names, at: section.nameOffset, what: "section \(index)")
            return ELFSection(
                index: index, name: name, type: ELFSectionType(rawValue: section.type),
                flags: ELFSectionFlags(rawValue: section.flags), address: section.address,
                offset: section.offset,
                size: section.size, link: section.link, info: section.info, alignment: section.alignment,
                entrySize: section.entrySize)
        }
    }
}
