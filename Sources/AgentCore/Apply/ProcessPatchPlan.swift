import Shared

/// What applying one patch to one process will change: the entries (bytes at each replaced
/// function's entry, or each in-place edit), the ranges threads must be out of, and, once the
/// patch memory's address is known, its relocated image with the header in front.
struct ProcessPatchPlan {
    /// The patch.
    let patch: PatchFile
    /// The module it patches in this process.
    let target: MappedTargetModule
    /// Bytes to overwrite: `original` read from the process now, `patched` known after ``finish``.
    private(set) var entries: [PatchMemoryHeader.Entry]
    /// The replaced functions: threads must be out of them when the entries are written.
    let applyGuards: [SafePoint.Guard]

    /// Reads the current bytes at every entry; for an in-place patch they must be the expected old bytes.
    init(patch: PatchFile, target: MappedTargetModule, process: TargetProcess, memory: RemoteMemory)
        throws(AgentFailure)
    {
        self.patch = patch
        self.target = target
        let functions = patch.replacedFunctions.map { function in
            (function, function.oldAddress.remote(bias: target.bias))
        }
        applyGuards = try Self.guards(Self.guardRanges(functions, bias: target.bias), memory: memory)
        switch patch.kind {
        case .relocatable:
            entries = try Self.jumpEntries(functions, target: target, process: process, memory: memory)
        case .inPlace:
            entries = try Self.editEntries(patch, functions, target: target, process: process, memory: memory)
        }
    }

    /// A replaced function with its entry address in this process.
    typealias PlacedFunction = (ReplacedFunction, RemoteAddress)

    /// The ranges threads must be out of: each replaced function and its parts.
    private static func guardRanges(_ functions: [PlacedFunction], bias: UInt64) -> [SafePoint.Guard] {
        functions.flatMap { function, start in
            // The old function's parts (X.cold, X.part.N) are the old function too: guard them alike.
            let parts = function.parts.map { part in
                let partStart = part.address.remote(bias: bias)
                return SafePoint.Guard(
                    start: partStart, end: partStart.advanced(by: max(part.size, 1)),
                    name: "\(function.oldName) (its part \(part.name))")
            }
            // The old entry stays callable (it jumps to the new code, or is edited in place).
            return [
                SafePoint.Guard(
                    start: start, end: start.advanced(by: max(function.oldSize, 5)), name: function.oldName,
                    entryIsCallable: true)
            ] + parts
        }
    }

    /// The ranges with `returnAtEnd` read from the process.
    private static func guards(_ ranges: [SafePoint.Guard], memory: RemoteMemory) throws(AgentFailure)
        -> [SafePoint.Guard]
    {
        // A word equal to a guard's end is a return address only when the range ends in a call.
        return try ranges.map { guardRange throws(AgentFailure) in
            var checked = guardRange
            let tail = min(guardRange.end.rawValue - guardRange.start.rawValue, 7)
            let last = try memory.read(RemoteAddress(guardRange.end.rawValue - tail), count: Int(tail))
            checked.returnAtEnd = SafePoint.mayEndWithCall(last)
            return checked
        }
    }

    /// A relocatable patch's entries: a 5-byte jump over each replaced function's entry
    /// (`patched` known after ``finish``).
    private static func jumpEntries(
        _ functions: [PlacedFunction], target: MappedTargetModule, process: TargetProcess, memory: RemoteMemory
    ) throws(AgentFailure) -> [PatchMemoryHeader.Entry] {
        var entries: [PatchMemoryHeader.Entry] = []
        for (function, start) in functions {
            try ProcessPatchPlan.checkInside(target, start, 5, function.oldName, process)
            let current = try memory.read(start, count: 5)
            guard ProcessPatchPlan.jumpFits(size: function.oldSize, entryBytes: current) else {
                throw AgentFailure(
                    .refused,
                    "\(process): \(function.oldName) at \(start) is \(function.oldSize) bytes, shorter than the "
                        + "5-byte jump that replaces it, and the bytes after it are code (\(HexDigits.encode(current))), "
                        + "not padding: the jump would overwrite the next function; nothing was written. Patch a "
                        + "caller of \(function.oldName) too (hotpatch create --function CALLER)",
                    symbol: function.oldName)
            }
            entries.append(
                .init(address: start, original: current, patched: [], symbol: function.oldName))
        }
        return entries
    }

    /// An in-place patch's entries: each edit, whose current bytes must be the expected old ones.
    private static func editEntries(
        _ patch: PatchFile, _ functions: [PlacedFunction], target: MappedTargetModule, process: TargetProcess,
        memory: RemoteMemory
    ) throws(AgentFailure) -> [PatchMemoryHeader.Entry] {
        var entries: [PatchMemoryHeader.Entry] = []
        for edit in patch.inPlaceEdits {
            let address = edit.address.remote(bias: target.bias)
            let name =
                functions.first { $0.1 <= address && address < $0.1.advanced(by: $0.0.oldSize) }?.0
                .oldName
                ?? "\(edit.address)"
            try ProcessPatchPlan.checkInside(target, address, edit.old.count, name, process)
            let current = try memory.read(address, count: edit.old.count)
            guard current == edit.old else {
                throw AgentFailure(
                    .targetMismatch,
                    "\(process): bytes at \(address) in \(name) are \(HexDigits.encode(current)), the patch expects "
                        + "\(HexDigits.encode(edit.old)); the function was changed by someone else (another tool or "
                        + "patch); nothing was written")
            }
            entries.append(.init(address: address, original: current, patched: edit.new, symbol: name))
        }
        return entries
    }

    /// True when the 5-byte jump over a function's entry stays inside it: the function is at
    /// least 5 bytes, or the bytes after its end (of the 5 at its entry) are padding, never run:
    /// `int3`s, or the start of an assembler's NOP (`90`, `0f 1f ..`, `66 .. 2e 0f 1f 84 ..`).
    /// Not the next function's first instruction (a 4-byte `.cold` part can be followed directly
    /// by another function). A tail of only `66` bytes is taken for padding: a function starting
    /// with an operand-size prefix right after a tiny unaligned one is possible but not seen.
    static func jumpFits(size: UInt64, entryBytes: [UInt8]) -> Bool {
        // A jump already there (an earlier patch replaced this entry): it covers the same 5 bytes.
        guard size < 5, entryBytes.first != 0xe9 else { return true }
        let tail = entryBytes.dropFirst(Int(size))
        if tail.allSatisfy({ $0 == 0xcc }) { return true }
        var rest = Array(tail)
        let nops: [[UInt8]] = [
            [0x90], [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00],
            [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00], [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
            [0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        ]
        // Whole NOPs one after another, the last one possibly cut off by the jump's end.
        while true {
            rest = Array(rest.drop { $0 == 0x66 })
            if rest.isEmpty || nops.contains(where: { $0.starts(with: rest) }) { return true }
            guard let whole = nops.first(where: { rest.starts(with: $0) }) else { return false }
            rest.removeFirst(whole.count)
        }
    }

    /// Bytes the header needs (entries, one guard per replaced function or the code range).
    var headerSize: Int {
        PatchMemoryHeader.encodedSize(
            patchID: patch.id.rawValue, guardNames: guardNames,
            entries: entries.map { ($0.original.count, $0.symbol) })
    }

    private var guardNames: [String] {
        patch.kind == .relocatable ? ["code"] : applyGuards.map(\.name)
    }

    /// Builds the image for patch memory at `base`: relocated sections, slots, stubs, and the
    /// header (with the entry jumps, now that the new functions' addresses are known).
    mutating func finish(
        base: RemoteAddress, layout: PatchLayout, external: [Int: UInt64], previous: RemoteAddress
    )
        throws(AgentFailure) -> [UInt8]
    {
        var image = [UInt8](repeating: 0, count: Int(layout.totalSize))
        var guards: [PatchMemoryHeader.GuardRange] = []
        if patch.kind == .relocatable {
            let relocated = try PatchImage(patch: patch, layout: layout, base: base, external: external)
            image = relocated.bytes
            for (index, function) in patch.replacedFunctions.enumerated() {
                guard let symbol = patch.definedSymbol(named: function.newName),
                    let destination = relocated.address(ofDefined: symbol),
                    let jump = PatchImage.jump(from: entries[index].address, to: destination)
                else {
                    throw AgentFailure(
                        .failed,
                        "patch memory at \(base) is out of jmp reach of \(function.oldName); nothing was written"
                    )
                }
                entries[index].patched = jump
            }
            guards = [.init(start: base, size: layout.executableSize, name: "code")]
        } else {
            guards = applyGuards.map {
                .init(start: $0.start, size: $0.end.rawValue - $0.start.rawValue, name: $0.name)
            }
        }
        var record = PatchMemoryHeader(
            mappingSize: layout.totalSize, patchID: patch.id.rawValue, contentHash: patch.contentHash.bytes,
            previous: previous, guards: guards, entries: entries)
        record.unwind = UnwindRegistration.record(patch: patch, layout: layout, base: base, image: &image)
        let header = record.encoded()
        precondition(header.count <= Int(layout.headerSize), "header larger than its reserved space")
        image.replaceSubrange(0..<header.count, with: header)
        return image
    }

    /// True when an earlier patch overwrote some of the same bytes (this one stacks on it).
    func overlaps(_ other: PatchInMemory) -> Bool {
        entries.contains { mine in
            other.header.entries.contains { theirs in
                mine.address.rawValue < theirs.address.rawValue + UInt64(theirs.original.count)
                    && theirs.address.rawValue < mine.address.rawValue + UInt64(mine.original.count)
            }
        }
    }

    private static func checkInside(
        _ target: MappedTargetModule, _ address: RemoteAddress, _ count: Int, _ name: String,
        _ process: TargetProcess
    ) throws(AgentFailure) {
        let end = address.advanced(by: UInt64(count))
        guard
            target.module.mappings.contains(where: { $0.isExecutable && $0.start <= address && end <= $0.end }
            )
        else {
            throw AgentFailure(
                .targetMismatch,
                "\(process): \(name) at \(address) is not in the executable code of \(target.module.path); "
                    + "the patch does not fit this build")
        }
    }
}
