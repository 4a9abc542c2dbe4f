import Shared

/// Rewrites a `-fPIC` object's thread-local accesses the way the linker rewrote them in an
/// executable target (x86-64 psABI, "ELF Handling For Thread-Local Storage" 5.5): general
/// dynamic and local dynamic (`__tls_get_addr` calls) and initial exec (`mov x@gottpoff`)
/// become local exec (`%fs:0` plus the variable's fixed offset), local exec fields (TPOFF32, what
/// -fPIE code uses) get that offset, and general dynamic for another module's variable becomes
/// initial exec through the target's own `R_X86_64_TPOFF64` slot (bound by ``TargetBinder``). The relaxed object then reads
/// exactly like the target's code (an unchanged function compares equal) and its patched code
/// reaches each thread's own copy of the existing variable, with no relocation left to place.
///
/// What is not rewritten (a shared-library target, a variable the target lacks, an unknown
/// sequence) keeps its TLS relocations, and the selector refuses it if a carried function uses it.
struct TLSRelaxation {
    let target: TargetModule
    /// `alignUp(p_memsz, p_align)` of the executable's PT_TLS: the thread pointer is that far past
    /// the start of the executable's TLS block (variant II); nil when nothing can be relaxed.
    let blockSize: UInt64?
    /// Relaxation is for executables only (a library's TLS block sits at an offset chosen at load time).
    let isExecutable: Bool

    /// Reads the target's TLS segment (an executable may have none and still use a library's TLS).
    init(target: TargetModule) throws {
        self.target = target
        isExecutable = try TLSRelaxation.isExecutable(target.elf)
        guard isExecutable,
            let tls = target.elf.programHeaders.first(where: { $0.type == ELFProgramHeader.tls })
        else {
            blockSize = nil
            return
        }
        let align = max(tls.alignment, 1)
        blockSize = (tls.memorySize + align - 1) / align * align
    }

    /// The offset of the target's thread-local `name` from the thread pointer (`%fs:0`).
    func threadPointerOffset(of name: String, sourceFile: String?) throws -> Int64? {
        guard let blockSize, let definition = try target.definition(of: name, sourceFile: sourceFile),
            definition.symbol.type == .tls
        else { return nil }
        // In a linked module a TLS symbol's value is its offset in the TLS segment.
        return Int64(bitPattern: definition.symbol.value) - Int64(bitPattern: blockSize)
    }

    /// The object with every relaxable TLS sequence of its code rewritten (itself when none).
    func relax(_ unit: ObjectUnit) throws -> ObjectUnit {

        var image = unit.elf.bytes
        var changed = false
        for section in unit.elf.sections where section.flags.contains(.execute) && section.type == .progbits {
            for table in unit.elf.relocationSections(for: section) {
                var code = Array(try unit.elf.contents(of: section))
                let relocations = try unit.elf.relocations(in: table)
                let (dropped, replaced) = try relaxSequences(relocations, code: &code, unit: unit)
                guard !dropped.isEmpty || !replaced.isEmpty else { continue }
                changed = true
                image.replaceSubrange(Int(section.offset)..<(Int(section.offset) + code.count), with: code)
                let kept = relocations.indices.filter { !dropped.contains($0) }.map {
                    replaced[$0] ?? relocations[$0]
                }
                TLSRelaxation.rewrite(table, of: unit.elf, keeping: kept, in: &image)
            }
        }
        return changed ? try ObjectUnit(path: unit.path, elf: try ELFFile(bytes: image)) : unit
    }

    /// Rewrites the sequences of one code section; returns the indices of relocations they
    /// consumed and those they turned into another relocation.
    private func relaxSequences(_ relocations: [ELFRelocation], code: inout [UInt8], unit: ObjectUnit) throws
        -> (consumed: Set<Int>, replaced: [Int: ELFRelocation])
    {
        let tlsGetAddr = Set(unit.symbols.filter { $0.name == "__tls_get_addr" }.map(\.index))
        var sequence = TLSSequenceRewriter(relocations: relocations, code: code, tlsGetAddr: tlsGetAddr)
        guard isExecutable else {
            // A library keeps its dynamic sequences (bound to its own GOT pairs); a DTPOFF32 is the
            // variable's offset in the module's block, known once linked: written as ld writes it.
            for (index, relocation) in relocations.enumerated() where relocation.type == .dtpoff32 {
                guard let offset = try variableOffset(relocation, unit: unit, adjust: true, inBlock: true)
                else {
                    continue
                }
                sequence.moduleOffset(at: index, threadPointerOffset: offset)
            }
            code = sequence.code
            return (sequence.consumed, sequence.replaced)
        }
        var allBasesRelaxed = true
        for (index, relocation) in relocations.enumerated() {
            switch relocation.type {
            case .tlsgd:
                if let offset = try variableOffset(relocation, unit: unit, adjust: false) {
                    sequence.generalDynamic(at: index, threadPointerOffset: offset)
                } else if target.tpoffSlots[symbolName(relocation, unit)] != nil {
                    sequence.generalDynamicToInitialExec(at: index)  // another module's variable
                }
            case .tpoff32:
                guard let offset = try variableOffset(relocation, unit: unit, adjust: true) else { continue }
                sequence.localExec(at: index, threadPointerOffset: offset)
            case .tlsld:
                if !sequence.localDynamic(at: index) { allBasesRelaxed = false }
            case .gottpoff:
                guard let offset = try variableOffset(relocation, unit: unit, adjust: false) else { continue }
                sequence.initialExec(at: index, threadPointerOffset: offset)
            default: continue
            }
        }
        // A DTPOFF32 is relative to the module's block: only right once its base became %fs:0.
        for (index, relocation) in relocations.enumerated()
        where relocation.type == .dtpoff32 && allBasesRelaxed {
            guard let offset = try variableOffset(relocation, unit: unit, adjust: true) else { continue }
            sequence.moduleOffset(at: index, threadPointerOffset: offset)
        }
        code = sequence.code
        return (sequence.consumed, sequence.replaced)
    }

    /// The name of a relocation's symbol ("" for none).
    private func symbolName(_ relocation: ELFRelocation, _ unit: ObjectUnit) -> String {
        relocation.symbolIndex < unit.symbols.count ? unit.symbols[relocation.symbolIndex].name : ""
    }

    /// The thread-pointer offset a relocation's variable has in the target (plus the addend
    /// when `adjust`, for DTPOFF32, whose addend selects a field); nil when the target lacks it.
    private func variableOffset(
        _ relocation: ELFRelocation, unit: ObjectUnit, adjust: Bool, inBlock: Bool = false
    ) throws -> Int64? {
        guard relocation.symbolIndex > 0, relocation.symbolIndex < unit.symbols.count else { return nil }
        var symbol = unit.symbols[relocation.symbolIndex]
        var addend = adjust ? relocation.addend : 0
        if symbol.type == .section {
            // GAS may name a local variable as its section plus an offset.
            let at = UInt64(bitPattern: relocation.addend)
            guard adjust,
                let named = unit.symbols.first(where: {
                    $0.sectionIndex == symbol.sectionIndex && $0.type == .tls && !$0.name.isEmpty
                        && at >= $0.value && at < $0.value + max($0.size, 1)
                })
            else { return nil }
            addend = relocation.addend - Int64(bitPattern: named.value)
            symbol = named
        }
        guard symbol.type == .tls || symbol.type == .none, isPairedByName(symbol, unit: unit) else {
            return nil
        }
        if inBlock {
            return try target.blockOffset(of: symbol, sourceFile: unit.sourceFile).map {
                Int64(bitPattern: $0) + addend
            }
        }
        guard let offset = try threadPointerOffset(of: symbol.name, sourceFile: unit.sourceFile) else {
            return nil
        }
        return offset + addend
    }

    /// For a shared-library target, how the objects' code reaches each thread-local variable by name:
    /// `.tlsgd` or `.tlsld`, `.none` when a name is reached both ways (one binding cannot serve both).
    static func libraryModels(of units: [ObjectUnit]) throws -> [String: ELFRelocationType] {
        var models: [String: ELFRelocationType] = [:]
        for unit in units {
            for section in unit.elf.sections where section.flags.contains(.execute) {
                for relocation in try unit.elf.relocations(for: section)
                where relocation.type == .tlsgd || relocation.type == .tlsld {
                    guard relocation.symbolIndex < unit.symbols.count else { continue }
                    let name = unit.symbols[relocation.symbolIndex].name
                    models[name] = models[name].map { $0 == relocation.type ? $0 : .none } ?? relocation.type
                }
            }
        }
        return models
    }

    /// False for a function-scope `static __thread` (`count.0`) whose GCC number may not pair it
    /// with the right variable: more than one of that base name in the object or the target. Such
    /// references stay unrelaxed, so `create` refuses them rather than bind the wrong variable.
    private func isPairedByName(_ symbol: ELFSymbol, unit: ObjectUnit) -> Bool {
        guard symbol.binding == .local, let dot = symbol.name.lastIndex(of: "."),
            !symbol.name[symbol.name.index(after: dot)...].isEmpty,
            symbol.name[symbol.name.index(after: dot)...].allSatisfy(\.isNumber)
        else { return true }
        let base = symbol.name[..<dot]
        func sameBase(_ name: String) -> Bool {
            guard let at = name.lastIndex(of: ".") else { return false }
            return name[..<at] == base && name[name.index(after: at)...].allSatisfy(\.isNumber)
        }
        let mine = unit.symbols.filter { $0.type == .tls && sameBase($0.name) }
        let theirs = target.definitions.filter { sameBase($0.key) }.values.joined().filter {
            $0.symbol.type == .tls
        }
        return mine.count == 1 && theirs.count == 1
    }

    /// Writes `kept` over a relocation table and shrinks its `sh_size` to match.
    private static func rewrite(
        _ table: ELFSection, of elf: ELFFile, keeping kept: [ELFRelocation], in image: inout [UInt8]
    ) {
        var at = Int(table.offset)
        for relocation in kept {
            put(relocation.offset, at: at, in: &image)
            put(
                UInt64(relocation.symbolIndex) << 32 | UInt64(relocation.type.rawValue), at: at + 8,
                in: &image)
            put(UInt64(bitPattern: relocation.addend), at: at + 16, in: &image)
            at += 24
        }
        let sizeField = Int(elf.header.sectionHeaderOffset) + table.index * 64 + 32
        put(UInt64(kept.count * 24), at: sizeField, in: &image)
    }

    /// Writes a little-endian 64-bit value into the file image.
    private static func put(_ value: UInt64, at offset: Int, in image: inout [UInt8]) {
        for index in 0..<8 { image[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(index * 8)) }
    }

    /// Whether the module is an executable (fixed-address, or PIE: `DF_1_PIE` in `DT_FLAGS_1`).
    static func isExecutable(_ elf: ELFFile) throws -> Bool {
        if elf.header.type == .executable { return true }
        return try elf.dynamicEntries().contains { $0.tag == 0x6fff_fffb && $0.value & 0x0800_0000 != 0 }
    }
}

extension ObjectUnit {
    /// An object already parsed (e.g. rewritten in memory); `path` names it in messages.
    init(path: String, elf: ELFFile) throws {
        self.path = path
        self.elf = elf
        symbols = try elf.symbolTable() ?? []
        sourceFile = symbols.first { $0.type == .file }?.name
    }
}
