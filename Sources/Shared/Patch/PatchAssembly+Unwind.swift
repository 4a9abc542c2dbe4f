extension PatchBuilder {
    /// The name of the unwind table section a patch carries (docs/PATCH-FORMAT.md, "Unwind
    /// information"); the agent registers it with the process's unwinder.
    public static let unwindSectionName = ".eh_frame"
}

extension PatchAssembly {
    /// Step 4: one `.eh_frame` for the whole patch: from each object's table, the FDEs of the
    /// carried code and their CIEs, then the zero terminator. Its relocations (PC begin, LSDA,
    /// personality pointer) are bound like the code's: to carried sections (the LSDAs,
    /// `.gcc_except_table.*`, travel with their functions) or to the target's symbols
    /// (`DW.ref.__gxx_personality_v0`). Nothing is added when no carried code has an FDE.
    mutating func copyUnwindInfo(bind: PatchBuilder.SiteBinder) throws {
        var bytes: [UInt8] = []
        var relocations: [ELFRelocation] = []
        for (objectIndex, object) in builder.objects.enumerated() {
            for section in object.sections where section.name == PatchBuilder.unwindSectionName {
                let filtered: EHFrameFilter.Output
                do {
                    filtered = try EHFrameFilter.filter(
                        bytes: Array(try object.contents(of: section)),
                        relocations: try object.relocations(for: section).filter { $0.type != .none }
                    ) { pcBegin in isCarriedCode(pcBegin, object: objectIndex) }
                } catch let error as EHFrameError {
                    throw PatchBuildError(
                        "\(builder.objectNames[objectIndex]): \(error); the patch cannot carry its unwind "
                            + "information (recompile the fix with the target's compiler)")
                }
                guard filtered.frameCount > 0 else { continue }
                for relocation in filtered.relocations {
                    let symbol = objectSymbols[objectIndex][relocation.symbolIndex]
                    let index = try outputSymbol(for: symbol, object: objectIndex, from: section, bind: bind)
                    relocations.append(
                        ELFRelocation(
                            offset: relocation.offset + UInt64(bytes.count), type: relocation.type,
                            symbolIndex: index, addend: relocation.addend))
                }
                bytes += filtered.bytes
            }
        }
        guard !bytes.isEmpty else { return }
        bytes += [0, 0, 0, 0]  // the terminator the unwinder stops at
        writer.sections.append(
            ELFObjectWriter.Section(
                name: PatchBuilder.unwindSectionName, flags: [.alloc], alignment: 8, bytes: bytes,
                relocations: relocations))
    }

    /// True when a PC-begin relocation names code the patch carries.
    private func isCarriedCode(_ relocation: ELFRelocation, object: Int) -> Bool {
        guard relocation.symbolIndex > 0, relocation.symbolIndex < objectSymbols[object].count else {
            return false
        }
        let symbol = objectSymbols[object][relocation.symbolIndex]
        let ref = PatchBuilder.SectionRef(object: object, section: Int(symbol.sectionIndex))
        guard sectionMap[ref] != nil, ref.section < builder.objects[object].sections.count else {
            return false
        }
        return builder.objects[object].sections[ref.section].flags.contains(.execute)
    }
}
