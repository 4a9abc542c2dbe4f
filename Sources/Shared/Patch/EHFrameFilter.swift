/// Cuts one object's `.eh_frame` down to the records a patch needs: the FDEs of the code it
/// carries and the CIEs they use. Pure: bytes and relocations in, bytes and relocations out.
///
/// `.eh_frame` is a sequence of records, each `u32 length | u32 id | body` (length counts from
/// the id on; 0 ends the table). A CIE has id 0; an FDE's id is the distance from its id field
/// back to its CIE. In an object, an FDE's PC begin (the 4 bytes after the id) is a relocation
/// against the code it describes; its LSDA pointer and the CIE's personality pointer are
/// relocations too. Dropping records moves the ones after them, so every kept FDE gets its CIE
/// distance recomputed and every kept relocation its offset moved by as much as its record.
public enum EHFrameFilter {
    /// The kept records (no terminator: the caller appends one after all objects' records).
    public struct Output: Equatable, Sendable {
        /// The records' bytes.
        public var bytes: [UInt8] = []
        /// The relocations inside them, offsets relative to `bytes`, symbols as in the input.
        public var relocations: [ELFRelocation] = []
        /// How many FDEs were kept.
        public var frameCount = 0
    }

    /// A record as found in the input.
    private struct Record {
        let start: Int
        let end: Int
        /// Nil for a CIE; for an FDE the input offset of its CIE.
        let cie: Int?
    }

    /// Keeps each FDE whose PC-begin relocation `keep` accepts, and the CIEs those use (CIE
    /// distances are relative, so the output can be appended anywhere). Throws on a table it
    /// does not understand: a patch must never carry unwind info that could send the unwinder to
    /// the wrong frame.
    public static func filter(
        bytes: [UInt8], relocations: [ELFRelocation], keep: (ELFRelocation) throws -> Bool
    ) throws -> Output {
        let records = try parse(bytes)
        let byOffset = Dictionary(
            relocations.map { (Int($0.offset), $0) }, uniquingKeysWith: { first, _ in first })
        var keptFDEs: [Record] = []
        for record in records {
            guard record.cie != nil else { continue }
            guard let pcBegin = byOffset[record.start + 8] else {
                throw EHFrameError("an FDE at +\(record.start) has no relocation for its PC begin")
            }
            if try keep(pcBegin) { keptFDEs.append(record) }
        }
        let usedCIEs = Set(keptFDEs.compactMap(\.cie))
        var output = Output()
        var newStart: [Int: Int] = [:]
        for record in records
        where record.cie == nil
            ? usedCIEs.contains(record.start)
            : keptFDEs.contains(where: {
                $0.start == record.start
            })
        {
            let at = output.bytes.count
            newStart[record.start] = at
            output.bytes += bytes[record.start..<record.end]
            if let cie = record.cie {
                // The id field (at +4) holds the distance back to the CIE, as moved.
                guard let cieAt = newStart[cie] else {
                    throw EHFrameError("the FDE at +\(record.start) uses a CIE that follows it")
                }
                writeU32(UInt32(at + 4 - cieAt), into: &output.bytes, at: at + 4)
                output.frameCount += 1
            }
            for relocation in relocations
            where Int(relocation.offset) >= record.start
                && Int(relocation.offset) < record.end
            {
                output.relocations.append(
                    ELFRelocation(
                        offset: relocation.offset - UInt64(record.start) + UInt64(at), type: relocation.type,
                        symbolIndex: relocation.symbolIndex, addend: relocation.addend))
            }
        }
        return output
    }

    /// The records up to the terminator (or the end of the bytes).
    private static func parse(_ bytes: [UInt8]) throws -> [Record] {
        var records: [Record] = []
        var at = 0
        while at + 4 <= bytes.count {
            let length = Int(readU32(bytes, at))
            if length == 0 { break }
            guard length != 0xffff_ffff else {
                throw EHFrameError("a record at +\(at) uses the 64-bit length format")
            }
            let end = at + 4 + length
            guard length >= 8, end <= bytes.count else {
                throw EHFrameError("the record at +\(at) (length \(length)) runs past the end of the section")
            }
            let id = Int(readU32(bytes, at + 4))
            if id == 0 {
                records.append(Record(start: at, end: end, cie: nil))
            } else {
                let cie = at + 4 - id
                guard cie >= 0, records.contains(where: { $0.start == cie && $0.cie == nil }) else {
                    throw EHFrameError("the FDE at +\(at) points to no CIE (+\(cie))")
                }
                records.append(Record(start: at, end: end, cie: cie))
            }
            at = end
        }
        return records
    }

    private static func readU32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << UInt32(8 * $1) }
    }

    private static func writeU32(_ value: UInt32, into bytes: inout [UInt8], at: Int) {
        for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index)) }
    }
}

/// An `.eh_frame` the filter does not understand.
public struct EHFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, with the record's offset.
    public let description: String
    /// Wraps a message.
    public init(_ description: String) { self.description = ".eh_frame: " + description }
}
