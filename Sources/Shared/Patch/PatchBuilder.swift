/// Builds a patch file from metadata and compiler objects: it copies the chosen sections with
/// their relocations and symbols into a fresh relocatable object, turns references to the
/// target's existing symbols into undefined symbols with target-binding records, and appends
/// the `.hotpatch` section. `hotpatch create` decides what to carry and bind; tests can use the
/// defaults (carry every code and data section, bind nothing) to make patches directly.
public struct PatchBuilder {
    /// One section of one input object.
    public struct SectionRef: Hashable, Sendable {
        /// Position of the object in the builder's `objects`.
        public var object: Int
        /// ELF section index inside that object.
        public var section: Int
        /// Names a section of an input object.
        public init(object: Int, section: Int) {
            self.object = object
            self.section = section
        }
    }

    /// A function the patch replaces: the old one in the target, the new one in an object.
    public struct Replacement: Sendable {
        /// Which input object defines the new function.
        public var object: Int
        /// The new function's symbol name in that object.
        public var newSymbol: String
        /// The old function in the target (address and size as linked, and its name).
        public var oldAddress: ModuleAddress
        /// `st_size` of the old function.
        public var oldSize: UInt64
        /// The old function's name.
        public var oldName: String
        /// The old function's parts in the target (guarded at the safe point, never jumped from).
        public var oldParts: [FunctionPart]
        /// Describes one replacement.
        public init(
            object: Int = 0, newSymbol: String, oldAddress: ModuleAddress, oldSize: UInt64, oldName: String,
            oldParts: [FunctionPart] = []
        ) {
            self.object = object
            self.newSymbol = newSymbol
            self.oldAddress = oldAddress
            self.oldSize = oldSize
            self.oldName = oldName
            self.oldParts = oldParts
        }
    }

    /// Decides where a symbol the carried code refers to (undefined in the object, or defined in
    /// a section not carried) lives in the target: its address there, or nil to leave it to the
    /// agent's by-name lookup in the process's libraries.
    public typealias Binder = (_ object: Int, _ symbol: ELFSymbol) throws -> ModuleAddress?

    /// Like ``Binder``, but the answer may also be a slot of the target whose value (read in the
    /// process at apply) is the symbol's address: how IFUNCs bind to what the process resolved.
    public typealias SiteBinder =
        (_ object: Int, _ symbol: ELFSymbol) throws -> (address: ModuleAddress, kind: TargetBinding.Kind)?

    /// The input objects, in order.
    public let objects: [ELFFile]
    /// Names of the objects, for messages (file paths).
    public let objectNames: [String]

    /// A builder over parsed objects.
    public init(objects: [ELFFile], objectNames: [String]? = nil) {
        self.objects = objects
        self.objectNames = objectNames ?? objects.indices.map { "object \($0 + 1)" }
    }

    /// The sections a patch carries when nobody chooses: every allocated code and data
    /// section except empty ones, unwind tables and thread-local data.
    public func defaultCarried() -> Set<SectionRef> {
        var refs = Set<SectionRef>()
        for (objectIndex, object) in objects.enumerated() {
            for section in object.sections where PatchBuilder.isLoadable(section) && section.size > 0 {
                refs.insert(SectionRef(object: objectIndex, section: section.index))
            }
        }
        return refs
    }

    /// The named function or variable that starts a section, which assemblers refer to through
    /// the section symbol (GAS turns references to local symbols into section + offset). Nil for
    /// string sections and sections without one.
    public static func namedSymbol(startingSection index: Int, in elf: ELFFile, symbols: [ELFSymbol])
        -> ELFSymbol?
    {
        guard index > 0, index < elf.sections.count, !elf.sections[index].flags.contains(.strings) else {
            return nil
        }
        return symbols.first {
            Int($0.sectionIndex) == index && $0.value == 0 && !$0.name.isEmpty
                && ($0.type == .function || $0.type == .object)
        }
    }

    /// Whether a section is code or data the agent could map (not unwind info, notes, TLS).
    public static func isLoadable(_ section: ELFSection) -> Bool {
        section.flags.contains(.alloc) && !section.flags.contains(.tls)
            && (section.type == .progbits || section.type == .nobits) && section.name != ".eh_frame"
    }

    /// Builds the patch file's bytes. `metadata`'s replaced functions and target bindings are
    /// extended with the ones found here.
    public func build(
        metadata: PatchMetadata, replacing replacements: [Replacement],
        carrying carried: Set<SectionRef>? = nil,
        bind: Binder = { _, _ in nil }
    ) throws -> [UInt8] {
        try build(
            metadata: metadata, replacing: replacements, carrying: carried,
            bindSites: { object, symbol in try bind(object, symbol).map { ($0, .address) } })
    }

    /// Builds the patch file's bytes, binding through ``SiteBinder`` (addresses or slots).
    public func build(
        metadata: PatchMetadata, replacing replacements: [Replacement],
        carrying carried: Set<SectionRef>? = nil,
        bindSites bind: SiteBinder
    ) throws -> [UInt8] {
        var assembly = PatchAssembly(builder: self)
        try assembly.copySections(carried ?? defaultCarried())
        try assembly.copyDefinedSymbols()
        try assembly.copyRelocations(bind: bind)
        try assembly.copyUnwindInfo(bind: bind)
        var metadata = metadata
        metadata.targetBindings += assembly.bindings
        for replacement in replacements {
            metadata.replacedFunctions.append(
                ReplacedFunction(
                    oldAddress: replacement.oldAddress, oldSize: replacement.oldSize,
                    oldName: replacement.oldName,
                    newName: try assembly.finalName(of: replacement), parts: replacement.oldParts))
        }
        assembly.writer.sections.append(
            ELFObjectWriter.Section(name: ".hotpatch", flags: [], alignment: 8, bytes: metadata.encode()))
        // Room for a signature, so signing later fills bytes in and moves nothing.
        assembly.writer.sections.append(PatchSignature.unsignedSection)
        return assembly.writer.encode()
    }
}

/// Why a patch could not be built from the objects given.
public struct PatchBuildError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The full message: what, where, and what to do.
    public let description: String
    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}
