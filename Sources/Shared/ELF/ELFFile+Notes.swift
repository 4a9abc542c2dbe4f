/// One ELF note (`Elf64_Nhdr` + name + descriptor).
public struct ELFNote: Sendable, Equatable {
    /// The owner, e.g. `GNU`.
    public let name: String
    /// `n_type` (`NT_GNU_BUILD_ID` = 3 for owner GNU).
    public let type: UInt32
    /// The descriptor bytes.
    public let descriptor: [UInt8]
}

extension ELFFile {
    /// Every note of every `SHT_NOTE` section, or of every `PT_NOTE` segment when the file has
    /// no section headers.
    public func notes() throws -> [ELFNote] {
        var regions: [(offset: UInt64, size: UInt64, what: String)] = sections.filter { $0.type == .note }
            .map { ($0.offset, $0.size, "note section \($0.name)") }
        if sections.isEmpty {
            regions = programHeaders.filter { $0.type == ELFProgramHeader.note }
                .map { ($0.offset, $0.fileSize, "note segment") }
        }
        var notes: [ELFNote] = []
        for region in regions {
            let range = try reader.range(offset: region.offset, size: region.size, what: region.what)
            notes += try parseNotes(range, what: region.what)
        }
        return notes
    }

    /// The GNU build-id (`NT_GNU_BUILD_ID`), or nil when the module was linked without one.
    public func buildID() throws -> BuildID? {
        guard let note = try notes().first(where: { $0.name == "GNU" && $0.type == 3 }),
            !note.descriptor.isEmpty
        else { return nil }
        return BuildID(bytes: note.descriptor)
    }

    private func parseNotes(_ range: Range<Int>, what: String) throws -> [ELFNote] {
        var notes: [ELFNote] = []
        var at = range.lowerBound
        while range.upperBound - at >= 12 {
            let nameSize = Int(reader.u32(at))
            let descriptorSize = Int(reader.u32(at + 4))
            let type = reader.u32(at + 8)
            let nameStart = at + 12
            let descriptorStart = nameStart + ELFFile.align4(nameSize)
            let end = descriptorStart + ELFFile.align4(descriptorSize)
            guard nameSize <= range.upperBound, descriptorSize <= range.upperBound,
                descriptorStart + descriptorSize <= range.upperBound
            else {
                throw ELFError.malformed("\(what): note at offset \(at) runs past the end of its region")
            }
            // The name is NUL-terminated inside its size; drop the terminator.
            let nameBytes = reader.bytes[nameStart..<(nameStart + nameSize)].prefix { $0 != 0 }
            notes.append(
                ELFNote(
                    name: String(decoding: nameBytes, as: UTF8.self), type: type,
                    descriptor: Array(reader.bytes[descriptorStart..<(descriptorStart + descriptorSize)])))
            at = min(end, range.upperBound)
        }
        return notes
    }

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }
}
