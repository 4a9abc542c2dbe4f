/// What a patch does and to what: the decoded `.hotpatch` section (docs/PATCH-FORMAT.md).
public struct PatchMetadata: Sendable, Equatable {
    /// The format version this build writes and the newest it reads.
    public static let currentFormatVersion: UInt32 = 1

    /// The format version the patch was written with.
    public var formatVersion: UInt32
    /// Relocatable (new code, jumps at old entries) or in-place (bytes rewritten where they are).
    public var kind: PatchKind
    /// The patch's name on every host.
    public var id: PatchID
    /// A human description (may be empty).
    /// The one-line text users see.
    public var description: String
    /// Path of the target module when the patch was created; a hint only, the build-id decides.
    public var targetPathHint: String
    /// The GNU build-id of the one build this patch applies to.
    public var targetBuildID: BuildID
    /// Each function the patch replaces (kind relocatable) or rewrites (kind in-place).
    public var replacedFunctions: [ReplacedFunction]
    /// Undefined patch symbols that bind to existing symbols of the target module.
    public var targetBindings: [TargetBinding]
    /// Byte edits written in place (kind in-place only).
    public var inPlaceEdits: [InPlaceEdit]
    /// The tool and version that wrote the patch, e.g. `hotpatch 0.1.0`.
    public var createdBy: String

    /// Builds metadata; records can be appended afterwards.
    public init(
        kind: PatchKind, id: PatchID, description: String = "", targetPathHint: String = "",
        targetBuildID: BuildID, replacedFunctions: [ReplacedFunction] = [],
        targetBindings: [TargetBinding] = [],
        inPlaceEdits: [InPlaceEdit] = [], createdBy: String = "hotpatch \(HotpatchVersion.current)",
        formatVersion: UInt32 = PatchMetadata.currentFormatVersion
    ) {
        self.formatVersion = formatVersion
        self.kind = kind
        self.id = id
        self.description = description
        self.targetPathHint = targetPathHint
        self.targetBuildID = targetBuildID
        self.replacedFunctions = replacedFunctions
        self.targetBindings = targetBindings
        self.inPlaceEdits = inPlaceEdits
        self.createdBy = createdBy
    }
}

/// How the agent applies a patch.
public enum PatchKind: UInt32, Sendable, Equatable, CustomStringConvertible {
    /// New code is mapped into the process; a `jmp` at each old entry leads to it.
    case relocatable = 1
    /// Changed bytes are written over the old ones (two builds with identical layout).
    case inPlace = 2

    /// The one-line text users see.
    public var description: String { self == .relocatable ? "relocatable" : "in-place" }
}

/// One function the patch replaces: the old one at `oldAddress` gets a jump to `newName`.
public struct ReplacedFunction: Sendable, Equatable {
    /// Entry of the old function in the target module, as linked.
    public var oldAddress: ModuleAddress
    /// Size of the old function (`st_size`): the range threads must be out of at the safe point.
    public var oldSize: UInt64
    /// The old function's name in the target (for messages; the address is what counts).
    public var oldName: String
    /// The symbol defined in the patch that replaces it (equal to `oldName` for in-place patches).
    public var newName: String
    /// The old function's GCC parts elsewhere in the target (`X.cold`, `X.part.N`): no jump is
    /// written at them (only the old function's own code reaches them), but a thread inside one
    /// is inside the old function, so the safe point guards them like `oldAddress`.
    public var parts: [FunctionPart]

    /// Pairs an old function with its replacement.
    public init(
        oldAddress: ModuleAddress, oldSize: UInt64, oldName: String, newName: String,
        parts: [FunctionPart] = []
    ) {
        self.oldAddress = oldAddress
        self.oldSize = oldSize
        self.oldName = oldName
        self.newName = newName
        self.parts = parts
    }
}

/// One old part of a replaced function (`X.cold`, `X.part.N`) as linked in the target.
public struct FunctionPart: Sendable, Equatable {
    /// Where the part starts in the target module, as linked.
    public var address: ModuleAddress
    /// Its size (`st_size`).
    public var size: UInt64
    /// Its name in the target (for messages).
    public var name: String

    /// Describes one part.
    public init(address: ModuleAddress, size: UInt64, name: String) {
        self.address = address
        self.size = size
        self.name = name
    }
}

/// An undefined symbol of the patch that binds to an existing symbol of the target module (a
/// function the patch calls, or a variable it uses: never a copy).
public struct TargetBinding: Sendable, Equatable {
    /// How `address` gives the symbol's address in the process.
    public enum Kind: Sendable, Equatable {
        /// The symbol is at `address` (plus the module's load bias).
        case address
        /// The symbol's address is the 8-byte value the process holds in the target's slot at
        /// `address`: a GOT slot the dynamic linker filled (an IFUNC's chosen implementation,
        /// never its resolver). Read in the process at apply.
        case slotValue
    }

    /// Address of the existing symbol (or of the slot holding it) in the target module, as linked.
    public var address: ModuleAddress
    /// Name of the undefined symbol in the patch's `.symtab`.
    public var symbol: String
    /// Whether `address` is the symbol or a slot holding its address.
    public var kind: Kind

    /// Binds a patch symbol to a target address (or to the value of a target slot).
    public init(address: ModuleAddress, symbol: String, kind: Kind = .address) {
        self.address = address
        self.symbol = symbol
        self.kind = kind
    }
}

/// Bytes at `address` that must equal `old` and become `new`, written in one stop.
public struct InPlaceEdit: Sendable, Equatable {
    /// Where the bytes are in the target module, as linked.
    public var address: ModuleAddress
    /// What must be there now.
    public var old: [UInt8]
    /// What will be there after the patch (same count as `old`).
    public var new: [UInt8]

    /// Describes one edit; `old` and `new` must have the same length (caller bug otherwise).
    public init(address: ModuleAddress, old: [UInt8], new: [UInt8]) {
        precondition(old.count == new.count, "an in-place edit replaces bytes one for one")
        self.address = address
        self.old = old
        self.new = new
    }
}
