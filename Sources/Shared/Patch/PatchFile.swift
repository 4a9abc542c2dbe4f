/// A patch loaded from its bytes: the metadata, the sections to map, the symbols and the
/// relocations, all checked for consistency so the agent can place them without re-checking.
///
/// Loading throws ``ELFError`` for a damaged ELF file and ``PatchFormatError`` for a file that
/// is not a usable patch (no metadata, newer format version, dangling references, relocation
/// types the agent cannot place).
public struct PatchFile: Sendable {
    /// The decoded `.hotpatch` section.
    public let metadata: PatchMetadata
    /// SHA-256 of ``content``: the patch's identity in the patch memory header and reports. It
    /// leaves the signature out, so signing or re-signing a patch does not change it.
    public let contentHash: SHA256Digest
    /// The whole file with the `.hotpatch.sig` contents zeroed: what a signature covers.
    public let content: [UInt8]
    /// The allocatable sections the agent maps (code, rodata, data, bss), in file order.
    public let sections: [PatchSection]
    /// The patch's `.symtab`, index 0 included (relocations refer to it by index).
    public let symbols: [ELFSymbol]
    /// The decoded `.hotpatch.sig` section, or nil when unsigned (all zero, or no section).
    public let signature: PatchSignature?
    /// The parsed ELF file (for tools that want more).
    public let elf: ELFFile

    /// Loads and checks a patch.
    public init(bytes: [UInt8]) throws {
        let elf = try ELFFile(bytes: bytes)
        guard elf.header.type == .relocatable else {
            throw PatchFormatError.notAPatch("an ELF \(elf.header.type) file, not a relocatable object")
        }
        guard let metadataSection = elf.section(named: ".hotpatch") else {
            throw PatchFormatError.notAPatch("no .hotpatch section")
        }
        metadata = try PatchMetadata(decoding: try elf.contents(of: metadataSection))
        symbols =
            try elf.symbolTable() ?? [
                ELFSymbol(
                    index: 0, name: "", value: 0, size: 0, type: .none, binding: .local, sectionIndex: 0)
            ]
        sections = try elf.sections.filter { $0.flags.contains(.alloc) }.map { section in
            PatchSection(
                index: section.index, name: section.name, flags: section.flags,
                alignment: max(section.alignment, 1), size: section.size,
                bytes: Array(try elf.contents(of: section)), isZeroFill: section.type == .nobits,
                relocations: try elf.relocations(for: section))
        }
        let signatureSection = try PatchFile.signatureSection(of: elf)
        signature = try signatureSection.flatMap { try PatchSignature(decoding: try elf.contents(of: $0)) }
        content = PatchFile.content(of: bytes, zeroing: signatureSection)
        contentHash = SHA256.hash(content)
        self.elf = elf
        try validate()
    }

    /// The patch's id.
    public var id: PatchID { metadata.id }
    /// The human description.
    public var description: String { metadata.description }
    /// Relocatable or in-place.
    public var kind: PatchKind { metadata.kind }
    /// The build-id of the module the patch applies to.
    public var targetBuildID: BuildID { metadata.targetBuildID }
    /// The target's path when the patch was made (a hint).
    public var targetPathHint: String { metadata.targetPathHint }
    /// The functions replaced.
    public var replacedFunctions: [ReplacedFunction] { metadata.replacedFunctions }
    /// Undefined symbols bound to the target module's symbols by address.
    public var targetBindings: [TargetBinding] { metadata.targetBindings }
    /// In-place byte edits (kind in-place).
    public var inPlaceEdits: [InPlaceEdit] { metadata.inPlaceEdits }

    /// The first defined symbol called `name` (e.g. a replaced function's `newName`).
    public func definedSymbol(named name: String) -> ELFSymbol? {
        symbols.first { $0.name == name && $0.isDefined && $0.type != .section && $0.type != .file }
    }

    /// The carried section a symbol lives in, or nil (undefined, absolute, not carried).
    public func section(of symbol: ELFSymbol) -> PatchSection? {
        sections.first { $0.index == Int(symbol.sectionIndex) }
    }

    /// Undefined symbols (bound through ``targetBindings`` or by name in the process's libraries).
    public var undefinedSymbols: [ELFSymbol] {
        symbols.dropFirst().filter { $0.sectionIndex == ELFSymbol.undefinedSection && !$0.name.isEmpty }
    }
}
