extension PatchFile {
    /// The `.hotpatch.sig` section of `elf`, checked so that zeroing it can hide nothing: at most
    /// one, `SHT_PROGBITS`, never loaded, exactly ``PatchSignature/size`` bytes, and its bytes
    /// belong to no other section and to neither header table. Nil for files made before
    /// signatures existed.
    static func signatureSection(of elf: ELFFile) throws -> ELFSection? {
        let named = elf.sections.filter { $0.name == PatchSignature.sectionName }
        guard let section = named.first else { return nil }
        let name = PatchSignature.sectionName
        guard named.count == 1 else { throw PatchFormatError.malformed("\(named.count) \(name) sections") }
        guard section.type == .progbits, !section.flags.contains(.alloc),
            section.size == UInt64(PatchSignature.size)
        else {
            throw PatchFormatError.malformed(
                "\(name) must be a \(PatchSignature.size)-byte unloaded PROGBITS section")
        }
        _ = try elf.contents(of: section)  // inside the file
        let range = section.offset..<(section.offset + section.size)
        var others: [(String, Range<UInt64>)] = elf.sections.filter {
            $0.index != section.index && $0.type != .nobits && $0.type != .null
        }.map { ($0.name, PatchFile.fileRange($0.offset, $0.size)) }
        others.append(("the ELF header", 0..<64))
        let header = elf.header
        others.append(
            (
                "the section header table",
                header
                    .sectionHeaderOffset..<(header.sectionHeaderOffset
                    + UInt64(header.sectionHeaderCount) * UInt64(header.sectionHeaderEntrySize))
            ))
        if let clash = others.first(where: { $0.1.overlaps(range) }) {
            throw PatchFormatError.malformed("\(name) overlaps \(clash.0)")
        }
        return section
    }

    /// `offset..<offset+size`, saturated: other sections' headers are not checked yet, and a
    /// hostile one must not trap here.
    private static func fileRange(_ offset: UInt64, _ size: UInt64) -> Range<UInt64> {
        let end = offset.addingReportingOverflow(size)
        return offset..<(end.overflow ? UInt64.max : end.partialValue)
    }

    /// `bytes` with `section`'s contents zeroed: what is signed and hashed.
    static func content(of bytes: [UInt8], zeroing section: ELFSection?) -> [UInt8] {
        guard let section else { return bytes }
        var content = bytes
        let start = Int(section.offset)
        content.replaceSubrange(
            start..<(start + PatchSignature.size), with: repeatElement(0, count: PatchSignature.size))
        return content
    }

    /// The file's bytes with `signature` in its signature section (or zeros for nil): how
    /// `hotpatch sign` writes a patch. Throws for files made before signatures existed.
    public func bytes(signedWith signature: PatchSignature?) throws -> [UInt8] {
        guard let section = try PatchFile.signatureSection(of: elf) else {
            throw PatchFormatError.notAPatch(
                "this patch has no \(PatchSignature.sectionName) section (made by an older hotpatch); "
                    + "re-create it with this version of `hotpatch create` before signing")
        }
        var bytes = content
        let start = Int(section.offset)
        bytes.replaceSubrange(
            start..<(start + PatchSignature.size),
            with: signature?.encode() ?? [UInt8](repeating: 0, count: PatchSignature.size))
        return bytes
    }
}
