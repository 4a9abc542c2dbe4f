import Shared

/// What the target's loaded image holds in a pointer-sized place of its data, once the dynamic
/// loader has run: in a PIE or a library the linker leaves a dynamic relocation there
/// (`R_X86_64_RELATIVE` with the address as addend, or a symbolic `R_X86_64_64`/`GLOB_DAT` naming
/// an imported or preemptible symbol); in a fixed-address executable the bytes are the value.
struct TargetPointers {
    /// A value the target stores in its data.
    enum Pointer: Equatable {
        /// An address inside the target (as linked: module-relative in PIEs and libraries).
        case address(UInt64)
        /// The address of `name` (wherever the loader finds it) plus `addend`.
        case symbol(String, addend: Int64)
    }

    let target: TargetModule
    /// Dynamic relocation place -> value it fills in.
    private let dynamic: [UInt64: Pointer]
    /// The thread-local segment's address (`PT_TLS`), for the initial bytes of TLS variables.
    let tlsSegment: UInt64?

    /// Reads every dynamic relocation of the target's allocated relocation sections.
    init(target: TargetModule) throws {
        self.target = target
        let symbols = try target.elf.dynamicSymbols() ?? []
        var dynamic: [UInt64: Pointer] = [:]
        for table in target.elf.sections where table.type == .rela && table.flags.contains(.alloc) {
            for relocation in try target.elf.relocations(in: table) {
                switch relocation.type.rawValue {
                case 8:  // R_X86_64_RELATIVE: B + A
                    dynamic[relocation.offset] = .address(UInt64(bitPattern: relocation.addend))
                case 1, 6:  // R_X86_64_64: S + A; GLOB_DAT: S
                    guard relocation.symbolIndex > 0, relocation.symbolIndex < symbols.count else { continue }
                    dynamic[relocation.offset] = .symbol(
                        symbols[relocation.symbolIndex].name,
                        addend: relocation.type.rawValue == 1 ? relocation.addend : 0)
                default:
                    break
                }
            }
        }
        self.dynamic = dynamic
        tlsSegment = target.elf.programHeaders.first { $0.type == ELFProgramHeader.tls }?.virtualAddress
    }

    /// What the target holds at `place` for an object relocation of `type`, as S + A (PC-relative
    /// fields have their place added back); nil for kinds of reference data does not hold (those
    /// are compared as changed).
    func pointer(at place: UInt64, type: ELFRelocationType) throws -> Pointer? {
        switch type {
        case .abs64:
            if let stored = dynamic[place] { return stored }
            let bytes = try target.bytes(at: place, count: 8)
            return .address(bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) })
        case .pc32, .plt32:
            // Resolved by the linker: the field plus its own address.
            let field = Int64(
                Int32(bitPattern: UInt32(littleEndian: try target.bytes(at: place, count: 4)[0..<4])))
            return .address(UInt64(bitPattern: field &+ Int64(bitPattern: place)))
        case .pc64:
            let bytes = try target.bytes(at: place, count: 8)
            let field = bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
            return .address(field &+ place)
        case .abs32,
            .abs32s where target.isFixedAddress:
            let raw = UInt32(littleEndian: try target.bytes(at: place, count: 4)[0..<4])
            return .address(type == .abs32 ? UInt64(raw) : UInt64(bitPattern: Int64(Int32(bitPattern: raw))))
        default:
            return nil
        }
    }

    /// The link-time address of a variable's first byte (TLS symbols count from `PT_TLS`).
    func address(of definition: TargetModule.Definition) -> UInt64 {
        definition.symbol.type == .tls
            ? (tlsSegment ?? 0) &+ definition.symbol.value : definition.symbol.value
    }

    /// A variable's initial bytes in the target: zeros for `.bss`-like variables.
    func initialBytes(of definition: TargetModule.Definition) throws -> [UInt8] {
        let section = try target.elf.section(
            at: Int(definition.symbol.sectionIndex), for: "symbol \(definition.symbol.name)")
        if section.type == .nobits { return [UInt8](repeating: 0, count: Int(definition.symbol.size)) }
        return try target.bytes(at: address(of: definition), count: definition.symbol.size)
    }
}
