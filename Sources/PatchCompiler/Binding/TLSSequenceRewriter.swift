import Shared

/// The byte rewrites of ``TLSRelaxation`` over one code section, as pure logic: each recognizes
/// the exact sequence the psABI allows the compiler to emit (padding prefixes included, so the
/// local-exec form fits the same bytes), writes what GNU ld writes, and records the relocations
/// the rewrite consumed. Anything else is left as it is (and is refused later if it is carried).
struct TLSSequenceRewriter {
    /// The section's relocations, in file order.
    let relocations: [ELFRelocation]
    /// Indices of symbols named `__tls_get_addr`: the only call a dynamic sequence may make.
    let tlsGetAddr: Set<Int>
    /// The section's bytes, rewritten so far.
    private(set) var code: [UInt8]
    /// Indices of relocations a rewrite made unnecessary.
    private(set) var consumed: Set<Int> = []
    /// Relocations a rewrite turned into another (by index): GD -> IE leaves a GOTTPOFF.
    private(set) var replaced: [Int: ELFRelocation] = [:]

    /// A rewriter over one section's bytes and relocations.
    init(relocations: [ELFRelocation], code: [UInt8], tlsGetAddr: Set<Int>) {
        self.relocations = relocations
        self.code = code
        self.tlsGetAddr = tlsGetAddr
    }

    /// `mov %fs:0, %rax` (9 bytes).
    private static let loadThreadPointer: [UInt8] = [0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]

    /// General dynamic -> local exec: `data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex.W call
    /// __tls_get_addr@plt` (or `data16 rex.W call *__tls_get_addr@GOTPCREL(%rip)`), 16 bytes,
    /// becomes `mov %fs:0,%rax; lea x@tpoff(%rax),%rax`.
    @discardableResult
    mutating func generalDynamic(at index: Int, threadPointerOffset: Int64) -> Bool {
        let at = Int(relocations[index].offset)
        guard relocations[index].addend == -4, at >= 4, at + 12 <= code.count,
            code[(at - 4)..<at].elementsEqual([0x66, 0x48, 0x8d, 0x3d]),
            code[(at + 4)..<(at + 8)].elementsEqual([0x66, 0x66, 0x48, 0xe8])
                || code[(at + 4)..<(at + 8)].elementsEqual([0x66, 0x48, 0xff, 0x15]),
            let call = callRelocation(at: at + 8), let field = Self.int32(threadPointerOffset)
        else { return false }
        write(Self.loadThreadPointer + [0x48, 0x8d, 0x80] + field, at: at - 4)
        consumed.formUnion([index, call])
        return true
    }

    /// General dynamic -> initial exec, for a variable of another module: the same 16 bytes become
    /// `mov %fs:0,%rax; add x@gottpoff(%rip),%rax`, the TLSGD relocation a GOTTPOFF on the `add`.
    @discardableResult
    mutating func generalDynamicToInitialExec(at index: Int) -> Bool {
        let relocation = relocations[index]
        let at = Int(relocation.offset)
        guard relocation.addend == -4, at >= 4, at + 12 <= code.count,
            code[(at - 4)..<at].elementsEqual([0x66, 0x48, 0x8d, 0x3d]),
            code[(at + 4)..<(at + 8)].elementsEqual([0x66, 0x66, 0x48, 0xe8])
                || code[(at + 4)..<(at + 8)].elementsEqual([0x66, 0x48, 0xff, 0x15]),
            let call = callRelocation(at: at + 8)
        else { return false }
        write(Self.loadThreadPointer + [0x48, 0x03, 0x05, 0, 0, 0, 0], at: at - 4)
        consumed.insert(call)
        replaced[index] = ELFRelocation(
            offset: relocation.offset + 8, type: .gottpoff, symbolIndex: relocation.symbolIndex, addend: -4)
        return true
    }

    /// Local exec (what -fPIE and non-PIC code use for the executable's own variables): the
    /// TPOFF32 field gets the variable's offset from the thread pointer.
    @discardableResult
    mutating func localExec(at index: Int, threadPointerOffset: Int64) -> Bool {
        moduleOffset(at: index, threadPointerOffset: threadPointerOffset)
    }

    /// Local dynamic -> local exec: `lea x@tlsld(%rip),%rdi; call __tls_get_addr@plt` (12 bytes)
    /// or `...; call *__tls_get_addr@GOTPCREL(%rip)` (13) becomes `mov %fs:0,%rax`, padded with
    /// `data16` prefixes as ld pads it. The DTPOFF32 uses that follow are ``moduleOffset(at:threadPointerOffset:)``.
    @discardableResult
    mutating func localDynamic(at index: Int) -> Bool {
        let at = Int(relocations[index].offset)
        guard relocations[index].addend == -4, at >= 3, at + 9 <= code.count,
            code[(at - 3)..<at].elementsEqual([0x48, 0x8d, 0x3d])
        else { return false }
        if code[at + 4] == 0xe8, let call = callRelocation(at: at + 5) {
            write([0x66, 0x66, 0x66] + Self.loadThreadPointer, at: at - 3)
            consumed.formUnion([index, call])
            return true
        }
        if at + 10 <= code.count, code[(at + 4)..<(at + 6)].elementsEqual([0xff, 0x15]),
            let call = callRelocation(at: at + 6)
        {
            write([0x66, 0x66, 0x66, 0x66] + Self.loadThreadPointer, at: at - 3)
            consumed.formUnion([index, call])
            return true
        }
        return false
    }

    /// A DTPOFF32 field (offset in the module's TLS block) after a relaxed local-dynamic base:
    /// the field becomes the offset from the thread pointer.
    @discardableResult
    mutating func moduleOffset(at index: Int, threadPointerOffset: Int64) -> Bool {
        let at = Int(relocations[index].offset)
        guard at + 4 <= code.count, let field = Self.int32(threadPointerOffset) else { return false }
        write(field, at: at)
        consumed.insert(index)
        return true
    }

    /// Initial exec -> local exec: `mov x@gottpoff(%rip), %reg` becomes `mov $x@tpoff, %reg`.
    @discardableResult
    mutating func initialExec(at index: Int, threadPointerOffset: Int64) -> Bool {
        let at = Int(relocations[index].offset)
        guard relocations[index].addend == -4, at >= 3, at + 4 <= code.count,
            code[at - 3] == 0x48 || code[at - 3] == 0x4c, code[at - 2] == 0x8b, code[at - 1] & 0xc7 == 0x05,
            let field = Self.int32(threadPointerOffset)
        else { return false }
        let register = (code[at - 1] >> 3) & 7
        // The register moves from ModRM.reg to ModRM.rm, so REX.R becomes REX.B.
        write([code[at - 3] == 0x4c ? 0x49 : 0x48, 0xc7, 0xc0 | register] + field, at: at - 3)
        consumed.insert(index)
        return true
    }

    /// The index of the relocation of the `__tls_get_addr` call whose field starts at `offset`.
    private func callRelocation(at offset: Int) -> Int? {
        relocations.firstIndex {
            Int($0.offset) == offset && tlsGetAddr.contains($0.symbolIndex)
                && [.plt32, .pc32, .gotpcrel, .gotpcrelx].contains($0.type)
        }
    }

    /// Overwrites the code at `offset` with `bytes` (same length: nothing moves).
    private mutating func write(_ bytes: [UInt8], at offset: Int) {
        code.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    /// Little-endian bytes of a value that fits a sign-extended 32-bit field; nil otherwise.
    static func int32(_ value: Int64) -> [UInt8]? {
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { return nil }
        let raw = UInt32(bitPattern: Int32(value))
        return (0..<4).map { UInt8(truncatingIfNeeded: raw >> UInt32($0 * 8)) }
    }
}
