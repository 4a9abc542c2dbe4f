import Shared

/// Where everything goes inside one patch memory mapping:
///
/// ```
/// [header][code and read-only data][GOT slots][call stubs][call trap] | page | [writable data, bss][unwind object]
/// ```
/// The call trap and the unwind object are there only when the patch carries `.eh_frame`
/// (docs/PATCH-FORMAT.md, "Unwind information").
/// The first part is mapped read+execute, the writable part read+write (W^X for the patch).
struct PatchLayout: Equatable {
    /// Page size of x86-64 Linux.
    static let pageSize: UInt64 = 4096

    /// Bytes reserved for the header.
    let headerSize: UInt64
    /// Offset of each carried section, by its index in the patch's ELF section table.
    let sectionOffsets: [Int: UInt64]
    /// Patch symbol index -> slot number, for symbols reached through a GOT slot or call stub.
    let slotIndex: [Int: Int]
    /// Offset of the first 8-byte GOT slot.
    let slotsOffset: UInt64
    /// Offset of the first 8-byte call stub (`jmp *slot(%rip)`), one per slot.
    let stubsOffset: UInt64
    /// End of the read+execute part (page aligned).
    let executableSize: UInt64
    /// The whole mapping (page aligned).
    let totalSize: UInt64
    /// Offset of the `jmp .` an injected call returns to (read+execute part), with unwind info.
    var trapOffset: UInt64? = nil
    /// Offset of libgcc's `struct object` storage (64 zero bytes, read+write part), with unwind info.
    var unwindObjectOffset: UInt64? = nil

    /// Bytes reserved for libgcc's `struct object` (48 on x86-64; room to spare), then 32 bytes
    /// of scratch for what a probe call (`_Unwind_Find_FDE`) writes back.
    static let unwindObjectSize: UInt64 = 96
    /// Where the scratch starts, from the unwind object.
    static let unwindScratchOffset: UInt64 = 64

    /// What the layout needs to know of one carried section.
    struct Item: Equatable {
        /// Index in the patch's ELF section table.
        let index: Int
        /// Required alignment.
        let alignment: UInt64
        /// Size in memory.
        let size: UInt64
        /// True for variables (mapped read+write).
        let writable: Bool
    }

    /// Lays out a patch's carried sections.
    init(headerSize: Int, sections: [PatchSection], slotSymbols: [Int]) {
        self.init(
            headerSize: headerSize,
            items: sections.map {
                Item(
                    index: $0.index, alignment: $0.alignment, size: $0.size,
                    writable: $0.flags.contains(.write))
            }, slotSymbols: slotSymbols,
            unwind: sections.contains { $0.name == PatchBuilder.unwindSectionName })
    }

    /// Lays out `sections` after a header of `headerSize` bytes, with a slot and stub for every
    /// symbol index in `slotSymbols`, and with `unwind` a call trap and an unwind object.
    init(headerSize: Int, items sections: [Item], slotSymbols: [Int], unwind: Bool = false) {
        var offset = PatchLayout.align(UInt64(headerSize), 64)
        self.headerSize = offset
        var offsets: [Int: UInt64] = [:]
        for section in sections where !section.writable {
            offset = PatchLayout.align(offset, section.alignment)
            offsets[section.index] = offset
            offset += section.size
        }
        offset = PatchLayout.align(offset, 8)
        slotsOffset = offset
        var slots: [Int: Int] = [:]
        for symbol in slotSymbols.sorted() where slots[symbol] == nil { slots[symbol] = slots.count }
        slotIndex = slots
        stubsOffset = slotsOffset + UInt64(slots.count) * 8
        offset = stubsOffset + UInt64(slots.count) * 8
        if unwind {
            trapOffset = offset
            offset += 8
        }
        executableSize = PatchLayout.align(offset, PatchLayout.pageSize)
        offset = executableSize
        for section in sections where section.writable {
            offset = PatchLayout.align(offset, section.alignment)
            offsets[section.index] = offset
            offset += section.size
        }
        if unwind {
            offset = PatchLayout.align(offset, 16)
            unwindObjectOffset = offset
            offset += PatchLayout.unwindObjectSize
        }
        sectionOffsets = offsets
        totalSize = PatchLayout.align(offset, PatchLayout.pageSize)
    }

    /// Rounds up to a multiple of `alignment` (a power of two, or anything >= 1).
    static func align(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
        guard alignment > 1 else { return value }
        return (value + alignment - 1) / alignment * alignment
    }
}
