import Shared

extension FunctionComparer {
    /// A `__LINE__` constant that moved because the fix added or removed lines higher in the file.
    struct LineShift: Equatable {
        /// The line the target's code passes.
        let old: Int64
        /// The line the object's code passes.
        let new: Int64
    }

    /// The line numbers, when the only difference between the two versions is `__LINE__`
    /// constants; nil when anything else differs or when it cannot be shown to be a line number.
    ///
    /// Conservative by construction. Every differing byte must lie in the 32-bit immediate of a
    /// `mov $imm32, %r32` (opcode B8+r, optionally after a REX prefix) whose other bytes are
    /// equal; both values must look like lines (1...1,000,000) and every such constant of the
    /// function must have moved by the same amount; and each must be an argument of the next
    /// call, which shows it is a line: the call is `__assert_fail` (the line is its third
    /// argument, %edx), or its setup also passes the file's name (a string ending in the
    /// object's source file name, as `__FILE__` or `__FILE_NAME__` give).
    func lineShift(function: ELFSymbol, old: TargetModule.Definition) throws -> LineShift? {
        let comparison = try compare(function: function, old: old)
        guard comparison.reason != nil, comparison.onlyBytesDiffer else { return nil }
        let (mine, theirs) = (comparison.mine, comparison.theirs)
        let differing = mine.indices.filter { !comparison.masked.contains($0) && mine[$0] != theirs[$0] }
        var shift: LineShift?
        var covered = Set<Int>()
        for index in differing where !covered.contains(index) {
            guard
                let opcode = (max(0, index - 4)..<index).first(where: {
                    isMoveImmediate(mine, at: $0, covering: index)
                }),
                mine[opcode] == theirs[opcode], opcode + 5 <= mine.count
            else { return nil }
            let new = Int64(UInt32(littleEndian: mine[(opcode + 1)..<(opcode + 5)]))
            let old = Int64(UInt32(littleEndian: theirs[(opcode + 1)..<(opcode + 5)]))
            guard (1...1_000_000).contains(new), (1...1_000_000).contains(old),
                shift == nil || new - old == shift!.new - shift!.old,
                try isLineArgument(at: opcode, register: register(mine, at: opcode), in: comparison)
            else { return nil }
            if shift == nil { shift = LineShift(old: old, new: new) }
            covered.formUnion((opcode + 1)..<(opcode + 5))
        }
        return shift
    }

    /// Whether `mine[opcode]` starts `mov $imm32, %r32` whose immediate holds byte `index`.
    private func isMoveImmediate(_ mine: [UInt8], at opcode: Int, covering index: Int) -> Bool {
        (0xb8...0xbf).contains(mine[opcode]) && opcode + 1 <= index && index < opcode + 5
            && !(opcode >= 1 && mine[opcode - 1] == 0x48)  // REX.W: a 64-bit immediate, not this form
    }

    /// The register a `mov $imm32` at `opcode` writes (REX.B before it adds 8).
    private func register(_ mine: [UInt8], at opcode: Int) -> UInt8 {
        let rexB = opcode >= 1 && mine[opcode - 1] & 0xf1 == 0x41
        return mine[opcode] - 0xb8 + (rexB ? 8 : 0)
    }

    /// Whether the constant set by the `mov` at `opcode` (into register number `register`) is
    /// the line argument of the call that follows it.
    private func isLineArgument(at opcode: Int, register: UInt8, in comparison: Comparison) throws -> Bool {
        let calls = comparison.relocations.filter {
            [.plt32, .pc32].contains($0.type) && $0.offset >= 1 && comparison.mine[Int($0.offset) - 1] == 0xe8
        }.map { Int($0.offset) }
        guard let call = calls.first(where: { $0 > opcode + 5 }) else { return false }
        let previous = calls.last { $0 < opcode } ?? -1
        guard let callee = comparison.relocations.first(where: { Int($0.offset) == call }) else {
            return false
        }
        let name = unit.symbols[callee.symbolIndex].name
        if ["__assert_fail", "__assert_perror_fail"].contains(name) { return register == 2 }  // %edx
        guard
            let file = unit.sourceFile.map({
                ($0 as String).split(separator: "/").last.map(String.init) ?? $0
            })
        else { return false }
        for relocation in comparison.relocations
        where Int(relocation.offset) > previous && Int(relocation.offset) < call
            && relocation.symbolIndex < unit.symbols.count
        {
            let symbol = unit.symbols[relocation.symbolIndex]
            guard symbol.isDefined, symbol.sectionIndex < 0xff00,
                let string = try unit.string(in: Int(symbol.sectionIndex), at: symbol.value)
            else { continue }
            if string == file || string.hasSuffix("/" + file) { return true }
        }
        return false
    }
}

extension ObjectUnit {
    /// The NUL-terminated string at `offset` of a string section, or nil.
    func string(in sectionIndex: Int, at offset: UInt64) throws -> String? {
        let section = try section(sectionIndex)
        guard section.flags.contains(.strings) else { return nil }
        let contents = try elf.contents(of: section)
        guard offset < UInt64(contents.count) else { return nil }
        let tail = contents[(contents.startIndex + Int(offset))...]
        guard let end = tail.firstIndex(of: 0) else { return nil }
        return String(decoding: tail[..<end], as: UTF8.self)
    }
}
