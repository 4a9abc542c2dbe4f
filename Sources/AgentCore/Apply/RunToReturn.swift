import Shared

/// Letting a frame finish, libcare's way, as pure decisions: which threads in the way may be run
/// while the others stay stopped, and where each is to be stopped again.
///
/// Where: the return addresses above the thread's guarded frames, found on its stack (words
/// outside every guard that follow a call instruction), up to four, one per debug register. The
/// guess need not be exact: wherever the thread stops, the whole safe point is checked again
/// before anything is written, so a wrong guess costs time, never correctness. It needs no
/// unwind tables, so it works the same for patch code being removed (which has none in the
/// process) as for the target's functions.
enum RunToReturn {
    /// Breakpoints per thread: x86-64 has four debug address registers.
    static let maximumStops = 4

    /// The threads to run, or nil when a conflict is a thread that must not be run: one blocked
    /// in a system call (it would return from it early, and its restart state must stay exactly
    /// as it is) or one that stopped for a signal of its own (it must get it first).
    static func threadsToRun(_ conflicts: [SafePoint.Conflict], held: [Tid: StoppedThread]) -> [Tid]? {
        guard !conflicts.isEmpty, blocker(conflicts, held: held) == nil else { return nil }
        return conflicts.map(\.tid)
    }

    /// The first conflict whose thread must not be run (the one a refusal names: the others
    /// could have been let out).
    static func blocker(_ conflicts: [SafePoint.Conflict], held: [Tid: StoppedThread]) -> SafePoint.Conflict?
    {
        conflicts.first { conflict in
            guard let thread = held[conflict.tid] else { return true }
            return !thread.stoppedByInterrupt || thread.pendingSignal != 0 || thread.registers.isInSystemCall
        }
    }

    /// Where `thread` is out of every guard once it gets there: scanning up from just above its
    /// highest stack word that could return into a guard (from its stack pointer when only its
    /// instruction pointer is inside), the first words that point outside every guard and that
    /// `isReturnAddress` accepts; at most ``maximumStops``.
    static func stopAddresses(
        for thread: SafePoint.ThreadView, guards: [SafePoint.Guard], isReturnAddress: (UInt64) -> Bool
    ) -> [RemoteAddress] {
        let words = thread.stackWords
        let highest = words.lastIndex { word in guards.contains { $0.mayReturnInto(word) } }
        var found: [RemoteAddress] = []
        for word in words[(highest.map { $0 + 1 } ?? words.startIndex)...] {
            guard !guards.contains(where: { $0.contains(word) }), isReturnAddress(word) else { continue }
            let address = RemoteAddress(word)
            if !found.contains(address) { found.append(address) }
            if found.count == maximumStops { break }
        }
        return found
    }

    /// How many code bytes before a candidate ``endsWithCall(_:)`` looks at.
    static let callWindow = 7

    /// True when the 7 bytes before an address end with a call instruction (so the address can
    /// be a return address): `call rel32`, or `call` through a register or memory operand
    /// (`ff /2`, with or without a REX prefix, any addressing form up to 7 bytes).
    static func endsWithCall(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == callWindow else { return false }
        if bytes[2] == 0xe8 { return true }  // call rel32
        // `ff /2` whose ModRM (and SIB and displacement) end exactly at the return address.
        func callThrough(opcodeAt index: Int) -> Bool {
            guard bytes[index] == 0xff, index + 1 < callWindow else { return false }
            let modrm = bytes[index + 1]
            guard (modrm >> 3) & 7 == 2 else { return false }
            let mode = modrm >> 6
            let rm = modrm & 7
            let sib: UInt8? = rm == 4 && mode != 3 ? (index + 2 < callWindow ? bytes[index + 2] : nil) : nil
            if rm == 4 && mode != 3 && sib == nil { return false }
            var length = 2 + (sib != nil ? 1 : 0)
            switch mode {
            case 0:
                if rm == 5 { length += 4 }  // rip + disp32
                if let sib, sib & 7 == 5 { length += 4 }  // no base: disp32
            case 1: length += 1
            case 2: length += 4
            default: break
            }
            return index + length == callWindow
        }
        return (0..<callWindow - 1).contains { callThrough(opcodeAt: $0) }
    }
}
