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
        /// True when the first byte stays a working entry after the switch (a replaced function:
        /// its entry then jumps to the new code). A stack word equal to it is then a pointer to
        /// the function (a callback the program or libc left there), never a return address into
        /// it: a call ending exactly at an entry is a noreturn call of the previous function,
        /// whose return is never taken. False for patch code being removed: a pointer to it would
        /// dangle once it is unmapped, so every word into it, entry or not, stays in the way.
        var entryIsCallable: Bool = false
        /// True when the address lies inside.
        func contains(_ address: UInt64) -> Bool { start.rawValue <= address && address < end.rawValue }
        /// False when the range's last bytes cannot end in a call (see ``mayEndWithCall(_:)``):
        /// a word equal to its end is then a pointer to whatever follows (often the next
        /// function, e.g. a thread's start routine), not a return address. True when unknown.
        var returnAtEnd: Bool = true
        /// True when a stack word holding `word` could be a return address into the range: the
        /// call before it lies inside (`start < word <= end`: a function whose last instruction
        /// calls a noreturn function, as GCC's `.cold` parts and `call abort` endings do, leaves
        /// exactly `end` on its callee's stack). For patch code being removed every word inside
        /// counts too, its entry included (see ``entryIsCallable``).
        func mayReturnInto(_ word: UInt64) -> Bool {
            if word == end.rawValue { return returnAtEnd && end.rawValue > start.rawValue }
            return word > start.rawValue && contains(word &- 1) || (!entryIsCallable && contains(word))
        }
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
        /// The stack slots that hold return addresses, when an exact walk of the thread's frames
        /// completed (``ReturnSlots``); nil when not walked or not understood. A word into a
        /// guarded range at any other slot is stale (a live frame there would be walked).
        var returnSlots: Set<UInt64>? = nil
    }

    /// Why a thread is in the way.
    struct Conflict: Equatable, CustomStringConvertible {
        /// Where the thread touches the guarded range.
        enum Place: Equatable {
            /// Its instruction pointer is inside.
            case executing(instructionPointer: UInt64)
            /// A word of its stack (at `slot`) could be a return address into it.
            case returnAddress(word: UInt64, slot: RemoteAddress)
        }

        /// The thread.
        let tid: Tid
        /// The guarded function or code it is in.
        let name: String
        /// Where.
        let place: Place

        /// Where, in words: its instruction pointer, or the stack slot holding a pointer into the range.
        var detail: String {
            switch place {
            case .executing(let rip): return "executing (rip \(RemoteAddress(rip))) inside"
            case .returnAddress(let word, let slot):
                return "holding a return address (\(RemoteAddress(word)) at stack \(slot)) into"
            }
        }

        var description: String { "tid \(tid) is \(detail) \(name)" }
    }

    /// The first conflict, or nil when the process is at a safe point: a thread executing inside
    /// a guarded range first, else the first thread with a return address into one.
    static func firstConflict(threads: [ThreadView], guards: [Guard]) -> Conflict? {
        first(of: conflicts(threads: threads, guards: guards))
    }

    /// The conflict the refusal names among `conflicts` (see ``firstConflict(threads:guards:)``).
    static func first(of conflicts: [Conflict]) -> Conflict? {
        conflicts.first {
            if case .executing = $0.place { return true }
            return false
        } ?? conflicts.first
    }

    /// Every thread in the way, one conflict each (its instruction pointer if that is inside,
    /// else its lowest stack slot that could return into a guarded range), in thread order.
    static func conflicts(threads: [ThreadView], guards: [Guard]) -> [Conflict] {
        // Every word that may return into a guard lies in [lowest start, highest end]: a word
        // outside that span (nearly every word) needs no closer look. Same answer, found faster.
        guard let lowest = guards.map(\.start.rawValue).min(), let highest = guards.map(\.end.rawValue).max()
        else { return [] }
        var found: [Conflict] = []
        for thread in threads {
            if let hit = guards.first(where: { $0.contains(thread.instructionPointer) }) {
                found.append(
                    Conflict(
                        tid: thread.tid, name: hit.name,
                        place: .executing(instructionPointer: thread.instructionPointer)))
                continue
            }
            for (index, word) in thread.stackWords.enumerated() where lowest <= word && word <= highest {
                let slot = RemoteAddress(thread.stackPointer + UInt64(index) * 8)
                if let exact = thread.returnSlots, !exact.contains(slot.rawValue) { continue }
                if let hit = guards.first(where: { $0.mayReturnInto(word) }) {
                    found.append(
                        Conflict(
                            tid: thread.tid, name: hit.name, place: .returnAddress(word: word, slot: slot)))
                    break
                }
            }
        }
        return found
    }

    /// Whether `lastBytes` (a range's final bytes, up to 7) may end with a call instruction:
    /// `call rel32` (e8), or any `ff /2` (an indirect call through a register or memory, every
    /// addressing form) starting in them. Decoding backwards is ambiguous, so this errs on "may":
    /// only a range that surely does not end in a call answers false.
    static func mayEndWithCall(_ lastBytes: [UInt8]) -> Bool {
        let count = lastBytes.count
        if count >= 5 && lastBytes[count - 5] == 0xe8 { return true }
        for index in 0..<max(count - 1, 0) where lastBytes[index] == 0xff {
            if (lastBytes[index + 1] >> 3) & 7 == 2 { return true }
        }
        return false
    }
}
