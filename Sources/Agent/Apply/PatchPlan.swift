import Shared

/// What applying one patch to one process will change: the entries (bytes at each replaced
/// function's entry, or each in-place edit), the ranges threads must be out of, and, once the
/// patch memory's address is known, its relocated image with the header in front.
struct PatchPlan {
    /// The patch.
    let patch: PatchFile
    /// The module it patches in this process.
    let target: TargetModule
    /// Bytes to overwrite: `original` read from the process now, `patched` known after ``finish``.
    private(set) var entries: [PatchMemoryHeader.Entry]
    /// The replaced functions: threads must be out of them when the entries are written.
    let applyGuards: [SafePoint.Guard]

    /// Reads the current bytes at every entry; for an in-place patch they must be the expected old bytes.
    init(patch: PatchFile, target: TargetModule, process: TargetProcess, memory: RemoteMemory)
        throws(AgentFailure)
    {
        self.patch = patch
        self.target = target
        let functions = patch.replacedFunctions.map { function in
            (function, function.oldAddress.remote(bias: target.bias))
        }
        applyGuards = functions.flatMap { function, start in
            // The old function's parts (X.cold, X.part.N) are the old function too: guard them alike.
            let parts = function.parts.map { part in
                let partStart = part.address.remote(bias: target.bias)
                return SafePoint.Guard(
                    start: partStart, end: partStart.advanced(by: max(part.size, 1)),
                    name: "\(function.oldName) (its part \(part.name))")
            }
            return [
                SafePoint.Guard(
                    start: start, end: start.advanced(by: max(function.oldSize, 5)), name: function.oldName)
            ] + parts
        }
        var entries: [PatchMemoryHeader.Entry] = []
        switch patch.kind {
        case .relocatable:
            for (function, start) in functions {
                try PatchPlan.checkInside(target, start, 5, function.oldName, process)
                let current = try memory.read(start, count: 5)
                entries.append(
                    .init(address: start, original: current, patched: [], symbol: function.oldName))
            }
        case .inPlace:
            for edit in patch.inPlaceEdits {
                let address = edit.address.remote(bias: target.bias)
                let name =
                    functions.first { $0.1 <= address && address < $0.1.advanced(by: $0.0.oldSize) }?.0
                    .oldName
                    ?? "\(edit.address)"
                try PatchPlan.checkInside(target, address, edit.old.count, name, process)
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
        }
        self.entries = entries
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
        _ target: TargetModule, _ address: RemoteAddress, _ count: Int, _ name: String,
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
