import Shared

/// Which label of a function's object code is which label of the target's, when the two encode
/// the same instructions with other sizes (``InstructionComparer``): labels correspond when they
/// land on the same instruction once nops are skipped. ``ReferenceMatcher`` uses it for data that
/// points back into the function (switch tables), where section offset + constant no longer works.
struct LabelCorrespondence: Sendable {
    /// Object section offset of every instruction start and of the function's end -> index of
    /// the first non-nop instruction there.
    let object: [UInt64: Int]
    /// Target address of every instruction start and of the end -> the same kind of index.
    let target: [UInt64: Int]

    /// The correspondence for a function at `sectionOffset` in its object section and at
    /// `address` in the target.
    init(
        mine: InstructionComparer.Code, theirs: InstructionComparer.Code, sectionOffset: UInt64,
        address: UInt64
    ) {
        object = Dictionary(
            uniqueKeysWithValues: mine.labels.map { (sectionOffset &+ UInt64($0.key), $0.value) })
        target = Dictionary(uniqueKeysWithValues: theirs.labels.map { (address &+ UInt64($0.key), $0.value) })
    }

    /// Whether a data relocation into the function names the label the target's entry reaches.
    /// `reached` is the target's value of S as ``ReferenceMatcher`` computes it for the entry at
    /// `place`; `item` is where the object's table starts (offset in its section) and `itemAddress`
    /// where the target's does. A PC-relative entry is GCC's switch-table form `.long .Lk - .Ltable`
    /// (the table is the item: the code adds the address it loaded with `lea .Ltable(%rip)`).
    func sameLabel(
        _ relocation: ELFRelocation, symbolValue: UInt64, reached: UInt64, place: UInt64, item: UInt64,
        itemAddress: UInt64
    ) -> Bool {
        let addend = UInt64(bitPattern: relocation.addend)
        let objectLabel: UInt64
        let targetLabel: UInt64
        switch relocation.type {
        case .pc32:
            objectLabel = symbolValue &+ addend &- (relocation.offset &- item)
            targetLabel = reached &+ addend &- place &+ itemAddress
        case .abs64, .abs32, .abs32s:
            objectLabel = symbolValue &+ addend
            targetLabel = reached &+ addend
        default:
            return false
        }
        return sameLabel(objectOffset: objectLabel, targetAddress: targetLabel)
    }

    /// Whether the object's label at `objectOffset` (in its section) is the target's at
    /// `targetAddress`: both start the same instruction once nops are skipped (or both end it).
    func sameLabel(objectOffset: UInt64, targetAddress: UInt64) -> Bool {
        guard let mine = object[objectOffset], let theirs = target[targetAddress] else { return false }
        return mine == theirs
    }
}
