import Shared

/// The `.eh_frame` of one ELF file as a lookup table (pure): every FDE's address range, sorted,
/// so the row for an address is a binary search plus one run of its CFA program.
///
/// The table is built by one linear scan of `.eh_frame` (CIEs parsed once each); it is kept per
/// module for the whole agent run (see ``ModuleFrames``).
struct FrameTable {
    /// One FDE: the code it covers and where its instructions are.
    struct Entry {
        /// First linked address covered.
        let begin: UInt64
        /// One past the last.
        let end: UInt64
        /// Its CIE (index into `cies`).
        let cie: Int
        /// Its instructions (indices into `bytes`).
        let instructions: Range<Int>
    }

    /// The section bytes.
    let bytes: [UInt8]
    /// The section's linked address.
    let sectionAddress: UInt64
    /// The CIEs seen (a CIE that could not be parsed is nil: its FDEs give up).
    let cies: [CommonInformation?]
    /// The FDEs, sorted by `begin`.
    let entries: [Entry]

    /// Scans `.eh_frame` bytes linked at `sectionAddress`.
    init(ehFrame bytes: [UInt8], sectionAddress: UInt64) {
        self.bytes = bytes
        self.sectionAddress = sectionAddress
        var cies: [CommonInformation?] = []
        var cieIndex: [Int: Int] = [:]
        var entries: [Entry] = []
        var at = 0
        while at + 4 <= bytes.count {
            var reader = CFIReader(bytes: bytes, sectionAddress: sectionAddress, at: at, limit: bytes.count)
            guard let length = try? reader.fixed(4), length != 0, length != 0xffff_ffff else { break }
            let end = reader.at + Int(length)
            guard end <= bytes.count else { break }
            reader.limit = end
            let idField = reader.at
            guard let id = try? reader.fixed(4) else { break }
            if id == 0 {
                cieIndex[at] = cies.count
                cies.append(try? Self.parseCIE(&reader))
            } else if let owner = cieIndex[idField - Int(id)], let cie = cies[owner] {
                if let entry = try? Self.parseFDE(&reader, cie: cie, cieIndex: owner) { entries.append(entry) }
            }
            at = end
        }
        self.cies = cies
        self.entries = entries.sorted { $0.begin < $1.begin }
    }

    /// The row at linked address `pc`; throws when no FDE covers it or its program is not followed.
    func row(at pc: UInt64) throws(UnwindStop) -> FrameRule {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].begin <= pc { low = middle + 1 } else { high = middle }
        }
        guard low > 0, case let entry = entries[low - 1], pc < entry.end, let cie = cies[entry.cie] else {
            throw UnwindStop("no FDE covers 0x\(String(pc, radix: 16))")
        }
        return try CallFrameInstructions.row(
            at: pc, cie: cie, pcBegin: entry.begin, instructions: entry.instructions, in: bytes,
            sectionAddress: sectionAddress)
    }

    private static func parseCIE(_ reader: inout CFIReader) throws(UnwindStop) -> CommonInformation {
        let version = try reader.u8()
        guard version == 1 || version == 3 else { throw UnwindStop("CIE version \(version)") }
        var augmentation: [UInt8] = []
        while true {
            let byte = try reader.u8()
            if byte == 0 { break }
            augmentation.append(byte)
        }
        if augmentation.first == UInt8(ascii: "e") { throw UnwindStop("eh augmentation") }
        let code = try reader.uleb()
        let data = try reader.sleb()
        let returnRegister = version == 1 ? UInt64(try reader.u8()) : try reader.uleb()
        var encoding: UInt8 = 0
        var signal = false
        let hasData = augmentation.first == UInt8(ascii: "z")
        if hasData {
            let length = Int(try reader.uleb())
            let dataEnd = reader.at + length
            guard dataEnd <= reader.limit else { throw UnwindStop("CIE augmentation past its end") }
            for letter in augmentation.dropFirst() {
                switch letter {
                case UInt8(ascii: "R"): encoding = try reader.u8()
                case UInt8(ascii: "L"): _ = try reader.u8()
                case UInt8(ascii: "P"): _ = try reader.pointer(try reader.u8() & 0x7f, applyBase: false)
                case UInt8(ascii: "S"): signal = true
                case UInt8(ascii: "B"): break
                default: throw UnwindStop("CIE augmentation \(letter)")
                }
            }
            reader.at = dataEnd
        } else if !augmentation.isEmpty {
            throw UnwindStop("CIE augmentation without z")
        }
        return CommonInformation(
            codeAlignment: code, dataAlignment: data, returnAddressRegister: UInt16(truncatingIfNeeded: returnRegister),
            pointerEncoding: encoding, hasAugmentationData: hasData, isSignalFrame: signal,
            initialInstructions: reader.at..<reader.limit)
    }

    private static func parseFDE(_ reader: inout CFIReader, cie: CommonInformation, cieIndex: Int)
        throws(UnwindStop) -> Entry
    {
        let begin = try reader.pointer(cie.pointerEncoding)
        let range = try reader.pointer(cie.pointerEncoding & 0x0f, applyBase: false)
        if cie.hasAugmentationData {
            let length = Int(try reader.uleb())
            guard length <= reader.limit - reader.at else { throw UnwindStop("FDE augmentation past its end") }
            reader.at += length
        }
        return Entry(begin: begin, end: begin &+ range, cie: cieIndex, instructions: reader.at..<reader.limit)
    }
}

extension FrameTable {
    /// The table of an ELF file's `.eh_frame` (nil when it has none).
    init?(elf: ELFFile) {
        guard let section = elf.section(named: ".eh_frame"), let contents = try? elf.contents(of: section) else {
            return nil
        }
        self.init(ehFrame: Array(contents), sectionAddress: section.address)
    }
}
