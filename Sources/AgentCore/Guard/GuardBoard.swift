import Shared

/// Where the agent keeps its open window for the guardian: memory the two share since the fork,
/// written by the agent with plain stores and read by the guardian only once the agent is gone.
///
/// It replaced records on the guardian's pipe. Each record woke the guardian on the other core
/// of a 2-core machine, where it then ran beside the very thread the agent held for an injected
/// `mmap`: that step's hold went from 197 to 282 µs median (bench/RESULTS.md). Now nothing runs
/// in the guardian until the agent's end of the pipe closes.
///
/// It also names a borrowed thread whose nice value the agent lowered (``BorrowedThreadPriority``),
/// so a guardian puts that back too, window or not.
///
/// Layout: a header (the state word, then the lowered thread's three words), then two slots of
/// ``slotBytes``. An intent is written whole into the
/// slot the state word does not point at; then one release store of the state word publishes
/// it. An agent killed mid-write leaves the state word as it was: the window it was about to
/// announce was not yet opened. Untouched pages cost no memory (`MAP_NORESERVE`).
final class GuardBoard {
    /// What the state word says.
    enum Status: UInt64 {
        /// No window: nothing to repair.
        case idle = 0
        /// The intent in the current slot may be half done.
        case open = 1
        /// The dangerous part is over; only the net (the pending SIGSTOP) is armed.
        case settled = 2
    }

    /// Room for one encoded intent: a commit's entries at ~40 bytes each, over 200,000 of them.
    static let slotBytes = 8 << 20
    private static let headerBytes = 4096
    /// Bytes of each slot written once at start-up, so a usual intent takes no page fault inside
    /// the hold that announces it.
    private static let warmBytes = 16 << 10

    private let base: UnsafeMutableRawPointer
    private var state: UInt64 = 0

    /// Maps the board; shared with a child forked after this.
    init() throws(SystemError) {
        base = try Syscalls.sharedMemory(bytes: Self.headerBytes + 2 * Self.slotBytes)
        for slot in 0..<2 {
            slotStart(slot).initializeMemory(as: UInt8.self, repeating: 0, count: Self.warmBytes)
        }
        publish(0)
    }

    /// Announces a window (before it opens); false when the intent is too large to record, and
    /// then the board says nothing is open.
    @discardableResult
    func open(_ intent: GuardIntent) -> Bool {
        let bytes = intent.encoded()
        guard bytes.count <= Self.slotBytes - 8 else {
            publish(Self.word(.idle, slot: 0, generation: generation + 1))
            return false
        }
        let slot = 1 - currentSlot
        let start = slotStart(slot)
        start.storeBytes(of: UInt64(bytes.count), as: UInt64.self)
        bytes.withUnsafeBytes { (start + 8).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        publish(Self.word(.open, slot: slot, generation: generation + 1))
        return true
    }

    /// The window's dangerous part is over (a no-op when none is open).
    func settled() {
        guard status == .open else { return }
        publish(Self.word(.settled, slot: currentSlot, generation: generation + 1))
    }

    /// The window is closed.
    func done() { publish(Self.word(.idle, slot: currentSlot, generation: generation + 1)) }

    /// Records, before the agent lowers it, a borrowed thread's nice value to put back.
    func lowering(_ tid: Tid, of process: ProcessIdentity, from nice: Int32) {
        let words = base.assumingMemoryBound(to: UInt64.self)
        words[1] = UInt64(UInt32(bitPattern: process.pid.rawValue)) << 32 | UInt64(UInt32(bitPattern: tid.rawValue))
        words[2] = process.startTime
        Syscalls.storeRelease(UInt64(Int64(nice) + 100), at: words + 3)
    }

    /// The borrowed thread's nice value is back (or was never lowered).
    func restored() { Syscalls.storeRelease(0, at: base.assumingMemoryBound(to: UInt64.self) + 3) }

    /// In the guardian, after the agent died: the thread whose nice value the agent left lowered.
    func loweredThread() -> (process: ProcessIdentity, tid: Tid, nice: Int32)? {
        let words = base.assumingMemoryBound(to: UInt64.self)
        let nice = Syscalls.loadAcquire(words + 3)
        guard nice != 0 else { return nil }
        let process = ProcessIdentity(pid: Pid(Int32(bitPattern: UInt32(words[1] >> 32))), startTime: words[2])
        return (process, Tid(Int32(bitPattern: UInt32(truncatingIfNeeded: words[1]))), Int32(Int64(nice) - 100))
    }

    /// In the guardian, after the agent died: the window left open, if any, and whether it had
    /// settled.
    func lastWindow() -> (intent: GuardIntent, settled: Bool)? {
        let word = Syscalls.loadAcquire(base.assumingMemoryBound(to: UInt64.self))
        guard let status = Status(rawValue: word & 3), status != .idle else { return nil }
        let start = slotStart(Int(word >> 2 & 1))
        let count = Int(start.load(as: UInt64.self))
        guard count <= Self.slotBytes - 8 else { return nil }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: start + 8, count: count))
        guard let intent = GuardIntent(encoded: bytes) else { return nil }
        return (intent, status == .settled)
    }

    private var status: Status { Status(rawValue: state & 3) ?? .idle }
    private var currentSlot: Int { Int(state >> 2 & 1) }
    private var generation: UInt64 { state >> 3 }

    private static func word(_ status: Status, slot: Int, generation: UInt64) -> UInt64 {
        generation << 3 | UInt64(slot) << 2 | status.rawValue
    }

    private func slotStart(_ slot: Int) -> UnsafeMutableRawPointer {
        base + Self.headerBytes + slot * Self.slotBytes
    }

    private func publish(_ word: UInt64) {
        state = word
        Syscalls.storeRelease(word, at: base.assumingMemoryBound(to: UInt64.self))
    }
}
