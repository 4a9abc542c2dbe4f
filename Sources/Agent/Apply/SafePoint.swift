import Shared

/// The safe-point rule, as a pure decision: a process is safe to switch when no thread's
/// instruction pointer is inside a guarded range (a function being replaced, or patch code being
/// removed) and no word of any thread's live stack points into one (a frame that would return
/// into it).
enum SafePoint {
    /// A range threads must be out of.
    struct Guard: Equatable {
        /// First address.
        let start: RemoteAddress
        /// One past the last.
        let end: RemoteAddress
        /// The function or code it is, for messages.
        let name: String
        /// True when the address lies inside.
        func contains(_ address: UInt64) -> Bool { start.rawValue <= address && address < end.rawValue }
    }

    /// What one thread looks like to the check.
    struct ThreadView {
        /// The thread.
        let tid: Tid
        /// Its instruction pointer.
        let instructionPointer: UInt64
        /// Its stack pointer.
        let stackPointer: UInt64
        /// The live stack: 8-byte words from the stack pointer to the end of its mapping (a slice,
        /// so every thread's words can share the one buffer they were read into).
        let stackWords: ArraySlice<UInt64>
    }

    /// Why a thread is in the way.
    struct Conflict: Equatable, CustomStringConvertible {
        /// The thread.
        let tid: Tid
        /// The guarded function or code it is in.
        let name: String
        /// Where: its instruction pointer, or a stack slot holding a pointer into the range.
        let detail: String

        var description: String { "tid \(tid) is \(detail) \(name)" }
    }

    /// The first conflict, or nil when the process is at a safe point.
    static func firstConflict(threads: [ThreadView], guards: [Guard]) -> Conflict? {
        for thread in threads {
            if let hit = guards.first(where: { $0.contains(thread.instructionPointer) }) {
                return Conflict(
                    tid: thread.tid, name: hit.name,
                    detail: "executing (rip \(RemoteAddress(thread.instructionPointer))) inside")
            }
        }
        // Every guarded address lies in [lowest start, highest end): a word outside that span
        // (nearly every word) needs no closer look. The answer is the same, only found faster.
        guard let lowest = guards.map(\.start.rawValue).min(), let highest = guards.map(\.end.rawValue).max()
        else { return nil }
        for thread in threads {
            for (index, word) in thread.stackWords.enumerated() where lowest <= word && word < highest {
                if let hit = guards.first(where: { $0.contains(word) }) {
                    let slot = RemoteAddress(thread.stackPointer + UInt64(index) * 8)
                    return Conflict(
                        tid: thread.tid, name: hit.name,
                        detail: "holding a return address (\(RemoteAddress(word)) at stack \(slot)) into")
                }
            }
        }
        return nil
    }
}
