import Shared

/// What the agent is about to do that a dead agent would leave half done, as put on the
/// ``GuardBoard`` before the window opens. The guardian acts on the intent left open there when
/// the agent's end of the pipe closes.
enum GuardIntent: Equatable {
    /// One entry write of a commit: `from` is there now, `to` is what the commit writes.
    struct Write: Equatable {
        /// Where.
        var address: RemoteAddress
        /// The bytes before the commit (what a rollback puts back).
        var from: [UInt8]
        /// The bytes the commit writes.
        var to: [UInt8]
    }

    /// A thread is borrowed for an injected system call: `saved` are its own registers.
    case registers(ProcessIdentity, tid: Tid, saved: [UInt8])
    /// A commit (apply or revert) writes these entries, all or none.
    case writes(ProcessIdentity, what: String, [Write])

    /// The process the intent is about.
    var process: ProcessIdentity {
        switch self {
        case .registers(let process, _, _), .writes(let process, _, _): return process
        }
    }
}

extension GuardIntent {
    /// The bytes the ``GuardBoard`` keeps: a first byte saying which intent, then its fields.
    func encoded() -> [UInt8] {
        var body = ByteWriter()
        switch self {
        case .registers(let process, let tid, let saved):
            body.bytes([1])
            body.u32(UInt32(bitPattern: process.pid.rawValue))
            body.u64(process.startTime)
            body.u32(UInt32(bitPattern: tid.rawValue))
            body.u32(UInt32(saved.count))
            body.bytes(saved)
        case .writes(let process, let what, let writes):
            body.bytes([2])
            body.u32(UInt32(bitPattern: process.pid.rawValue))
            body.u64(process.startTime)
            body.string(what)
            body.u32(UInt32(writes.count))
            for write in writes {
                body.u64(write.address.rawValue)
                body.u32(UInt32(write.from.count))
                body.bytes(write.from)
                body.bytes(write.to)
            }
        }
        return body.data
    }

    /// An intent from ``encoded()``; nil when the bytes are not one.
    init?(encoded bytes: [UInt8]) {
        var reader = ByteCursor(bytes)
        switch reader.take(1)?.first {
        case 1:
            guard let pid = reader.u32(), let start = reader.u64(), let tid = reader.u32(),
                let count = reader.u32(), let saved = reader.take(Int(count))
            else { return nil }
            let process = ProcessIdentity(pid: Pid(Int32(bitPattern: pid)), startTime: start)
            self = .registers(process, tid: Tid(Int32(bitPattern: tid)), saved: saved)
        case 2:
            guard let pid = reader.u32(), let start = reader.u64(), let what = reader.string(),
                let count = reader.u32(), count < 1_000_000
            else { return nil }
            var writes: [GuardIntent.Write] = []
            for _ in 0..<count {
                guard let address = reader.u64(), let size = reader.u32(), let from = reader.take(Int(size)),
                    let to = reader.take(Int(size))
                else { return nil }
                writes.append(GuardIntent.Write(address: RemoteAddress(address), from: from, to: to))
            }
            let process = ProcessIdentity(pid: Pid(Int32(bitPattern: pid)), startTime: start)
            self = .writes(process, what: what, writes)
        default: return nil
        }
    }
}

extension Registers {
    /// The raw bytes of the register set (a plain C struct), for the guardian's record.
    var rawBytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }

    /// A register set from ``rawBytes``; nil when the size is wrong.
    init?(rawBytes: [UInt8]) {
        var registers = Registers()
        guard rawBytes.count == MemoryLayout<Registers>.size else { return nil }
        withUnsafeMutableBytes(of: &registers) { $0.copyBytes(from: rawBytes) }
        self = registers
    }
}

extension GuardIntent {
    /// The intent of a commit writing `entries` (to the patched bytes, or back to the original
    /// ones); nil for a single entry: one write cannot be left half done, so it needs no net.
    static func commit(
        _ entries: [PatchMemoryHeader.Entry], of process: TargetProcess, patched: Bool, what: String
    ) -> GuardIntent? {
        guard entries.count > 1 else { return nil }
        return .writes(
            process.identity, what: what,
            entries.map {
                Write(
                    address: $0.address, from: patched ? $0.original : $0.patched,
                    to: patched ? $0.patched : $0.original)
            })
    }
}
