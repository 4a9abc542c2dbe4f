/// An exact walk of one thread's stack from DWARF call-frame information (pure): from the
/// thread's registers, frame by frame, to the outermost frame, collecting the stack slots that
/// hold live return addresses.
///
/// Used only to dismiss safe-point conflicts, never to add safety: a complete walk says which
/// stack words are return addresses; any doubt makes it `incomplete`, and the caller then keeps
/// the conservative answer (every word into a guarded range counts).
enum StackWalk {
    /// What the walk found.
    enum Outcome: Equatable {
        /// Every frame was followed to the outermost one: `slots` are the addresses of every live
        /// return address, innermost first.
        case complete(slots: [UInt64])
        /// The walk stopped at frame `frame` for `reason`.
        case incomplete(frame: Int, reason: String)
    }

    /// The most frames followed before giving up (a deeper stack is treated as not understood).
    static let maximumFrames = 4096

    /// Walks from `registers` (DWARF columns 0-16, nil where unknown; 7 is rsp, 16 is rip) over
    /// the stack words `words` starting at `stackPointer` (the thread's rsp). `rowAt(pc, exact)`
    /// gives the CFA row for a code address (`exact` false: a return address minus one), or
    /// throws when there is none.
    static func walk(
        registers start: [UInt64?], stackPointer: UInt64, words: ArraySlice<UInt64>,
        rowAt: (UInt64) throws(UnwindStop) -> FrameRule
    ) -> Outcome {
        var registers = start
        var slots: [UInt64] = []
        let stackEnd = stackPointer &+ UInt64(words.count) * 8
        func word(at address: UInt64) -> UInt64? {
            guard address >= stackPointer, address < stackEnd, address % 8 == stackPointer % 8 else { return nil }
            return words[words.startIndex + Int((address - stackPointer) / 8)]
        }
        for frame in 0..<maximumFrames {
            guard let rip = registers[16], let rsp = registers[7] else {
                return .incomplete(frame: frame, reason: "pc or stack pointer unknown")
            }
            if rip == 0 { return .complete(slots: slots) }
            let row: FrameRule
            do {
                row = try rowAt(frame == 0 ? rip : rip &- 1)
            } catch {
                return .incomplete(frame: frame, reason: "\(error) (pc 0x\(String(rip, radix: 16)))")
            }
            let returnRule = row.rule(16)
            if returnRule == .undefined { return .complete(slots: slots) }
            guard row.cfaRegister < 17, let base = registers[Int(row.cfaRegister)] else {
                return .incomplete(frame: frame, reason: "CFA register \(row.cfaRegister) unknown")
            }
            let cfa = base &+ UInt64(bitPattern: row.cfaOffset)
            // A caller's frame lies above its callee's: a CFA at or below rsp is a loop or garbage.
            guard cfa > rsp, cfa <= stackEnd else {
                return .incomplete(frame: frame, reason: "CFA 0x\(String(cfa, radix: 16)) outside the live stack")
            }
            guard case .savedAt(let offset) = returnRule, case let slot = cfa &+ UInt64(bitPattern: offset),
                let returnAddress = word(at: slot)
            else { return .incomplete(frame: frame, reason: "return address rule \(returnRule) not followed") }
            var caller = [UInt64?](repeating: nil, count: 17)
            for column in CallFrameInstructions.tracked where column != 7 && column != 16 {
                switch row.rule(column) {
                case .sameValue: caller[Int(column)] = registers[Int(column)]
                case .savedAt(let at): caller[Int(column)] = word(at: cfa &+ UInt64(bitPattern: at))
                case .undefined, .unknown: caller[Int(column)] = nil
                }
            }
            caller[7] = cfa
            caller[16] = returnAddress
            slots.append(slot)
            registers = caller
        }
        return .incomplete(frame: maximumFrames, reason: "more than \(maximumFrames) frames")
    }
}
