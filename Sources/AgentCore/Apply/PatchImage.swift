import Shared

/// The bytes of one patch memory mapping, built and relocated in the agent before one write into
/// the process: sections copied to their offsets, every relocation placed for the mapping's real
/// address, GOT slots and call stubs filled for targets beyond +-2 GiB.
struct PatchImage {
    /// The mapping's contents (header area left zero; the header is written over it).
    private(set) var bytes: [UInt8]
    /// Where the mapping is in the process.
    let base: RemoteAddress
    /// The layout used.
    let layout: PatchLayout

    /// Builds the image. `external` holds the process address of every undefined patch symbol
    /// (by symbol index); defined ones are placed by the layout.
    init(patch: PatchFile, layout: PatchLayout, base: RemoteAddress, external: [Int: UInt64])
        throws(AgentFailure)
    {
        self.base = base
        self.layout = layout
        bytes = [UInt8](repeating: 0, count: Int(layout.totalSize))
        for section in patch.sections where !section.isZeroFill {
            let at = Int(layout.sectionOffsets[section.index]!)
            bytes.replaceSubrange(at..<(at + section.bytes.count), with: section.bytes)
        }
        let addresses = try symbolAddresses(patch, external: external)
        try fillSlots(addresses, symbols: patch.symbols)
        for section in patch.sections {
            for relocation in section.relocations {
                try place(relocation, in: section, addresses: addresses, symbols: patch.symbols)
            }
        }
    }

    /// The process address of a symbol defined in the patch.
    func address(ofDefined symbol: ELFSymbol) -> RemoteAddress? {
        guard let offset = layout.sectionOffsets[Int(symbol.sectionIndex)] else { return nil }
        return base.advanced(by: offset + symbol.value)
    }

    private func symbolAddresses(_ patch: PatchFile, external: [Int: UInt64]) throws(AgentFailure) -> [Int:
        UInt64]
    {
        var addresses = external
        for symbol in patch.symbols.dropFirst() where symbol.isDefined {
            if symbol.sectionIndex == ELFSymbol.absoluteSection {
                addresses[symbol.index] = symbol.value
            } else if let address = address(ofDefined: symbol) {
                addresses[symbol.index] = address.rawValue
            }
        }
        return addresses
    }

    private mutating func fillSlots(_ addresses: [Int: UInt64], symbols: [ELFSymbol]) throws(AgentFailure) {
        for (symbol, slot) in layout.slotIndex {
            guard let target = addresses[symbol] else {
                throw AgentFailure(
                    .badPatch, "patch symbol \(PatchImage.name(symbols[symbol])) has no address to bind")
            }
            let slotOffset = layout.slotsOffset + UInt64(slot) * 8
            write64(target, at: slotOffset)
            // jmp *slot(%rip): ff 25 disp32, then two int3 of padding.
            let stubOffset = layout.stubsOffset + UInt64(slot) * 8
            let displacement = Int64(slotOffset) - Int64(stubOffset + 6)
            bytes.replaceSubrange(Int(stubOffset)..<Int(stubOffset + 2), with: [0xff, 0x25])
            write32(UInt32(truncatingIfNeeded: displacement), at: stubOffset + 2)
            bytes.replaceSubrange(Int(stubOffset + 6)..<Int(stubOffset + 8), with: [0xcc, 0xcc])
        }
    }

    private mutating func place(
        _ relocation: ELFRelocation, in section: PatchSection, addresses: [Int: UInt64], symbols: [ELFSymbol]
    ) throws(AgentFailure) {
        guard relocation.type != .none else { return }
        let symbol = symbols[relocation.symbolIndex]
        guard let sectionOffset = layout.sectionOffsets[section.index] else { return }
        let offset = sectionOffset + relocation.offset
        let place = Int64(bitPattern: base.rawValue + offset)
        guard let target = addresses[relocation.symbolIndex].map({ Int64(bitPattern: $0) }) else {
            throw AgentFailure(.badPatch, "patch symbol \(PatchImage.name(symbol)) has no address to bind")
        }
        let addend = relocation.addend
        let slot = layout.slotIndex[relocation.symbolIndex]
        switch relocation.type {
        case .abs64:
            write64(UInt64(bitPattern: target &+ addend), at: offset)
        case .pc64:
            write64(UInt64(bitPattern: target &+ addend &- place), at: offset)
        case .pc32, .plt32:
            let value = try nearDisplacement(
                to: target, addend: addend, from: place, slot: slot, relocation, symbol, section)
            write32(UInt32(truncatingIfNeeded: value), at: offset)
        case .gotpcrel, .gotpcrelx, .rexGotpcrelx:
            guard let slot else {
                throw AgentFailure(.badPatch, "no GOT slot for \(PatchImage.name(symbol))")
            }
            let slotAddress = Int64(bitPattern: base.rawValue + layout.slotsOffset + UInt64(slot) * 8)
            write32(UInt32(truncatingIfNeeded: slotAddress &+ addend &- place), at: offset)
        case .gottpoff, .tlsgd, .tlsld:
            // `create` bound the variable to the target's own TPOFF64 GOT slot (initial exec: the
            // instruction loads the offset the dynamic linker stored there) or, in a library, to its
            // own TLS GOT pair (`lea pair(%rip),%rdi` for the __tls_get_addr call that follows).
            let value = target &+ addend &- place
            guard PatchImage.fitsInt32(value) else { throw tooWide(relocation, symbol, section) }
            write32(UInt32(truncatingIfNeeded: value), at: offset)
        case .abs32s:
            let value = target &+ addend
            guard PatchImage.fitsInt32(value) else { throw tooWide(relocation, symbol, section) }
            write32(UInt32(truncatingIfNeeded: value), at: offset)
        case .abs32:
            let value = target &+ addend
            guard value >= 0 && value <= Int64(UInt32.max) else { throw tooWide(relocation, symbol, section) }
            write32(UInt32(truncatingIfNeeded: value), at: offset)
        default:
            throw AgentFailure(
                .badPatch,
                "relocation \(relocation.type) in \(section.name) against \(PatchImage.name(symbol)) cannot be placed; "
                    + "rebuild the patch with hotpatch create")
        }
    }

    /// A pc-relative 32-bit displacement to `target`; a call too far for rel32 goes through this
    /// patch's own stub (when it has one), anything else too far is refused.
    private func nearDisplacement(
        to target: Int64, addend: Int64, from place: Int64, slot: Int?, _ relocation: ELFRelocation,
        _ symbol: ELFSymbol, _ section: PatchSection
    ) throws(AgentFailure) -> Int64 {
        var value = target &+ addend &- place
        if !PatchImage.fitsInt32(value), let slot {
            let stub = Int64(bitPattern: base.rawValue + layout.stubsOffset + UInt64(slot) * 8)
            value = stub &+ addend &- place
        }
        guard PatchImage.fitsInt32(value) else {
            throw AgentFailure(
                .targetMismatch,
                "\(relocation.type) in \(section.name) to \(PatchImage.name(symbol)) at "
                    + "\(RemoteAddress(UInt64(bitPattern: target))) is beyond +-2 GiB of the patch memory at \(base); "
                    + "build the fix with -fPIC so the agent can reach it through a GOT slot")
        }
        return value
    }

    private func tooWide(_ relocation: ELFRelocation, _ symbol: ELFSymbol, _ section: PatchSection)
        -> AgentFailure
    {
        AgentFailure(
            .targetMismatch,
            "\(relocation.type) in \(section.name) to \(PatchImage.name(symbol)) does not fit 32 bits at \(base); "
                + "build the fix with -fPIC")
    }

    /// Symbols that need a GOT slot: every GOT-relative reference, and every call or PC-relative
    /// reference to a symbol outside the patch (it may lie beyond +-2 GiB, e.g. in libc).
    static func slotSymbols(of patch: PatchFile) -> [Int] {
        var wanted: Set<Int> = []
        for section in patch.sections {
            for relocation in section.relocations {
                switch relocation.type {
                case .gotpcrel, .gotpcrelx, .rexGotpcrelx:
                    wanted.insert(relocation.symbolIndex)
                case .plt32, .pc32:
                    let symbol = patch.symbols[relocation.symbolIndex]
                    if !symbol.isDefined
                        && (symbol.type == .function || symbol.type == .none || relocation.type == .plt32)
                    {
                        wanted.insert(relocation.symbolIndex)
                    }
                default: break
                }
            }
        }
        return wanted.sorted()
    }

    static func fitsInt32(_ value: Int64) -> Bool { value >= Int64(Int32.min) && value <= Int64(Int32.max) }

    static func name(_ symbol: ELFSymbol) -> String {
        symbol.name.isEmpty ? "symbol #\(symbol.index)" : symbol.name
    }

    /// `jmp rel32` from `from` to `to`; nil when out of reach.
    static func jump(from: RemoteAddress, to: RemoteAddress) -> [UInt8]? {
        let displacement = Int64(bitPattern: to.rawValue) &- Int64(bitPattern: from.rawValue + 5)
        guard fitsInt32(displacement) else { return nil }
        let raw = UInt32(truncatingIfNeeded: displacement)
        return [0xe9] + (0..<4).map { UInt8(truncatingIfNeeded: raw >> UInt32($0 * 8)) }
    }

    private mutating func write32(_ value: UInt32, at offset: UInt64) {
        for index in 0..<4 {
            bytes[Int(offset) + index] = UInt8(truncatingIfNeeded: value >> UInt32(index * 8))
        }
    }

    private mutating func write64(_ value: UInt64, at offset: UInt64) {
        for index in 0..<8 {
            bytes[Int(offset) + index] = UInt8(truncatingIfNeeded: value >> UInt64(index * 8))
        }
    }
}
