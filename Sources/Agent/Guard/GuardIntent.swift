import Shared

/// What the agent is about to do that a dead agent would leave half done, as sent to the
/// ``Guardian`` before the window opens. The guardian acts on the last intent that was opened
/// and not closed when the agent's end of the pipe closes.
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

/// The records on the agent-to-guardian pipe: each is a u32 length and a body whose first byte
/// says what it is. A record cut short by the agent's death is ignored: the window it announced
/// was not yet opened.
enum GuardRecord: Equatable {
    /// A window is about to open.
    case open(GuardIntent)
    /// The dangerous part is over (registers restored / every write consistent); only the net
    /// (the pending SIGSTOP) is still armed, so a guardian needs only to continue the process.
    case settled
    /// The window is closed and the net disarmed: nothing to do.
    case done

    /// The framed bytes.
    func encoded() -> [UInt8] {
        var body = ByteWriter()
        switch self {
        case .open(.registers(let process, let tid, let saved)):
            body.bytes([1])
            body.u32(UInt32(bitPattern: process.pid.rawValue))
            body.u64(process.startTime)
            body.u32(UInt32(bitPattern: tid.rawValue))
            body.u32(UInt32(saved.count))
            body.bytes(saved)
        case .open(.writes(let process, let what, let writes)):
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
        case .settled: body.bytes([3])
        case .done: body.bytes([4])
        }
        var framed = ByteWriter()
        framed.u32(UInt32(body.data.count))
        framed.bytes(body.data)
        return framed.data
    }

    /// Takes every complete record off the front of `buffer`.
    static func decodeAll(_ buffer: inout [UInt8]) -> [GuardRecord] {
        var records: [GuardRecord] = []
        while buffer.count >= 4 {
            var head = ByteCursor(Array(buffer.prefix(4)))
            let length = Int(head.u32() ?? 0)
            guard buffer.count >= 4 + length else { break }
            if let record = decode(Array(buffer[4..<(4 + length)])) { records.append(record) }
            buffer.removeFirst(4 + length)
        }
        return records
    }

    private static func decode(_ body: [UInt8]) -> GuardRecord? {
        var reader = ByteCursor(body)
        switch reader.take(1)?.first {
        case 1:
            guard let pid = reader.u32(), let start = reader.u64(), let tid = reader.u32(),
                let count = reader.u32(), let saved = reader.take(Int(count))
            else { return nil }
            let process = ProcessIdentity(pid: Pid(Int32(bitPattern: pid)), startTime: start)
            return .open(.registers(process, tid: Tid(Int32(bitPattern: tid)), saved: saved))
        case 2:
            guard let pid = reader.u32(), let start = reader.u64(), let what = reader.string(),
                let count = reader.u32(), count < 100_000
            else { return nil }
            var writes: [GuardIntent.Write] = []
            for _ in 0..<count {
                guard let address = reader.u64(), let size = reader.u32(), let from = reader.take(Int(size)),
                    let to = reader.take(Int(size))
                else { return nil }
                writes.append(GuardIntent.Write(address: RemoteAddress(address), from: from, to: to))
            }
            let process = ProcessIdentity(pid: Pid(Int32(bitPattern: pid)), startTime: start)
            return .open(.writes(process, what: what, writes))
        case 3: return .settled
        case 4: return .done
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
