import Shared

/// The header at the start of every patch memory mapping (docs/PATCH-FORMAT.md, "Patch memory
/// in the process"). It is the process's own record of the patch: `status` and `revert` read it
/// back, so they tell the truth for forked children and after the host's journal is gone.
struct PatchMemoryHeader: Equatable {
    /// The first 8 bytes of every patch memory mapping.
    static let magic: [UInt8] = Array("HPMEM001".utf8)

    /// One range of bytes the patch overwrote in the target.
    struct Entry: Equatable {
        /// Where the bytes are.
        var address: RemoteAddress
        /// What was there before the patch.
        var original: [UInt8]
        /// What the patch wrote.
        var patched: [UInt8]
        /// The function there (for messages and status).
        var symbol: String
    }

    /// A range threads must be out of before the patch is reverted (its new code, or for an
    /// in-place patch the rewritten functions).
    struct GuardRange: Equatable {
        /// First address.
        var start: RemoteAddress
        /// Length in bytes.
        var size: UInt64
        /// What it is, for messages.
        var name: String
    }

    /// Where the patch's unwind table is and whether the process's unwinder knows it
    /// (docs/PATCH-FORMAT.md, "Unwind information"). Nil for a patch without one.
    struct Unwind: Equatable {
        /// Where the registration stands. Only `registered` is ever deregistered; the two
        /// in-between states mean an agent died inside the call and nobody can know.
        enum State: UInt32 {
            /// Never registered (or deregistered): the memory may be freed.
            case unregistered = 0
            /// `__register_frame_info` was about to run or running.
            case registering = 1
            /// The unwinder has it: `__deregister_frame_info` before the memory is freed.
            case registered = 2
            /// `__deregister_frame_info` was about to run or running.
            case deregistering = 3
            /// The process has no libgcc_s: nothing to register with.
            case noUnwinder = 4
        }
        /// The `.eh_frame` in the patch memory.
        var table: RemoteAddress
        /// libgcc's `struct object` storage in the patch memory's writable part.
        var object: RemoteAddress
        /// The `jmp .` an injected call returns to.
        var trap: RemoteAddress
        /// Where the registration stands.
        var state: State
    }

    /// The whole mapping's length (what `munmap` frees on revert).
    var mappingSize: UInt64
    /// The patch's id.
    var patchID: String
    /// SHA-256 of the patch file.
    var contentHash: [UInt8]
    /// The newest patch memory in the process when this one was applied (0 if none): the stack.
    var previous: RemoteAddress
    /// Ranges threads must be out of for a revert.
    var guards: [GuardRange]
    /// Bytes overwritten, in order.
    var entries: [Entry]
    /// The unwind table's registration, when the patch carries one.
    var unwind: Unwind? = nil

    /// Bytes the unwind record adds at the end of the body.
    static let unwindRecordSize = 28

    /// The encoded header.
    func encoded() -> [UInt8] {
        var body = ByteWriter()
        body.u64(mappingSize)
        body.string(patchID)
        body.bytes(contentHash)
        body.u64(previous.rawValue)
        body.u32(UInt32(guards.count))
        for range in guards {
            body.u64(range.start.rawValue)
            body.u64(range.size)
            body.string(range.name)
        }
        body.u32(UInt32(entries.count))
        for entry in entries {
            body.u64(entry.address.rawValue)
            body.u32(UInt32(entry.original.count))
            body.bytes(entry.original)
            body.bytes(entry.patched)
            body.string(entry.symbol)
        }
        if let unwind {
            body.u64(unwind.table.rawValue)
            body.u64(unwind.object.rawValue)
            body.u64(unwind.trap.rawValue)
            body.u32(unwind.state.rawValue)
        }
        var out = ByteWriter()
        out.bytes(PatchMemoryHeader.magic)
        out.u32(UInt32(8 + 4 + body.data.count))
        out.bytes(body.data)
        return out.data
    }

    /// Decodes a header; nil when the bytes do not start with one or it is damaged.
    init?(decoding bytes: [UInt8]) {
        var reader = ByteCursor(bytes)
        guard reader.take(8) == PatchMemoryHeader.magic, let size = reader.u32(), Int(size) <= bytes.count,
            Int(size) >= 12,
            let mappingSize = reader.u64(), let id = reader.string(), let hash = reader.take(32),
            let previous = reader.u64(), let guardCount = reader.u32(), guardCount < 100_000
        else { return nil }
        var guards: [GuardRange] = []
        for _ in 0..<guardCount {
            guard let start = reader.u64(), let length = reader.u64(), let name = reader.string() else {
                return nil
            }
            guards.append(GuardRange(start: RemoteAddress(start), size: length, name: name))
        }
        guard let entryCount = reader.u32(), entryCount < 100_000 else { return nil }
        var entries: [Entry] = []
        for _ in 0..<entryCount {
            guard let address = reader.u64(), let count = reader.u32(), count <= 4096,
                let original = reader.take(Int(count)), let patched = reader.take(Int(count)),
                let name = reader.string()
            else { return nil }
            entries.append(
                Entry(address: RemoteAddress(address), original: original, patched: patched, symbol: name))
        }
        self.init(
            mappingSize: mappingSize, patchID: id, contentHash: hash, previous: RemoteAddress(previous),
            guards: guards,
            entries: entries)
        // Headers written before unwind info existed end here.
        let position = bytes.count - reader.remaining
        if Int(size) - position >= PatchMemoryHeader.unwindRecordSize, let table = reader.u64(),
            let object = reader.u64(), let trap = reader.u64(), let raw = reader.u32()
        {
            guard let state = Unwind.State(rawValue: raw) else { return nil }
            unwind = Unwind(
                table: RemoteAddress(table), object: RemoteAddress(object), trap: RemoteAddress(trap),
                state: state)
        }
    }

    /// Builds a header.
    init(
        mappingSize: UInt64, patchID: String, contentHash: [UInt8], previous: RemoteAddress,
        guards: [GuardRange],
        entries: [Entry]
    ) {
        self.mappingSize = mappingSize
        self.patchID = patchID
        self.contentHash = contentHash
        self.previous = previous
        self.guards = guards
        self.entries = entries
    }

    /// The size in bytes a header with these contents encodes to, given only counts and names
    /// (used to lay out the mapping before the bytes are known).
    static func encodedSize(patchID: String, guardNames: [String], entries: [(count: Int, symbol: String)])
        -> Int
    {
        8 + 4 + 8 + 4 + patchID.utf8.count + 32 + 8 + 4 + guardNames.reduce(0) { $0 + 20 + $1.utf8.count } + 4
            + entries.reduce(0) { $0 + 8 + 4 + 2 * $1.count + 4 + $1.symbol.utf8.count }
            + unwindRecordSize  // always reserved: a patch with unwind info fills it
    }
}
