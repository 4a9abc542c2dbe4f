/// Why an ELF file could not be read. Every case names what was being read so the one-line
/// message tells the user which part of which file is broken.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not start with `\x7fELF`.
    case notELF
    /// The file is ELF but not 64-bit little-endian.
    case unsupportedFormat(String)
    /// The file is ELF for another machine (`e_machine`).
    case wrongMachine(UInt16)
    /// A structure runs past the end of the file.
    case truncated(what: String, offset: UInt64, size: UInt64, fileSize: Int)
    /// A field holds a value that cannot be right (bad index, bad entry size, ...).
    case malformed(String)

    /// The one-line text users see.
    public var description: String {
        switch self {
        case .notELF:
            return "not an ELF file (no \\x7fELF magic)"
        case .unsupportedFormat(let what):
            return "unsupported ELF format: \(what); hotpatch reads 64-bit little-endian x86-64 ELF only"
        case .wrongMachine(let machine):
            return "ELF file is for machine \(ELFMachineName.name(machine)) (e_machine \(machine)), "
                + "not x86-64; build it for x86-64"
        case .truncated(let what, let offset, let size, let fileSize):
            return "truncated ELF file: \(what) at offset \(offset) (\(size) bytes) runs past the end of "
                + "the file (\(fileSize) bytes)"
        case .malformed(let what):
            return "malformed ELF file: \(what)"
        }
    }
}

/// Human names for the `e_machine` values a user is likely to hand us by mistake.
enum ELFMachineName {
    static func name(_ machine: UInt16) -> String {
        switch machine {
        case 3: return "i386"
        case 40: return "ARM"
        case 62: return "x86-64"
        case 183: return "AArch64"
        case 243: return "RISC-V"
        default: return "unknown"
        }
    }
}
