/// Why a file is not a patch this build can use. Messages name the problem and what to do.
public enum PatchFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ELF file is fine but is not a patch (no `.hotpatch` section, wrong ELF type).
    case notAPatch(String)
    /// Written by a newer hotpatch.
    case versionTooNew(found: UInt32, supported: UInt32)
    /// The `.hotpatch` section is damaged.
    case malformed(String)

    /// The one-line text users see.
    public var description: String {
        switch self {
        case .notAPatch(let why):
            return "not a hotpatch patch: \(why); make one with `hotpatch create`"
        case .versionTooNew(let found, let supported):
            return "patch format version \(found) is newer than this hotpatch understands (\(supported)); "
                + "upgrade hotpatch and hotpatch-agent"
        case .malformed(let what):
            return "damaged patch metadata: \(what); re-create the patch with `hotpatch create`"
        }
    }
}
