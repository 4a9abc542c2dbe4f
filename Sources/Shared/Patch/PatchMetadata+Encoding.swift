/// The `.hotpatch` section's byte layout: header, then tag-length-value records.
extension PatchMetadata {
    /// The section's magic.
    static let magic: [UInt8] = Array("HOTPATCH".utf8)

    /// Record tags (docs/PATCH-FORMAT.md).
    enum Tag: UInt16 {
        case patchID = 1
        case description = 2
        case targetPathHint = 3
        case targetBuildID = 4
        case replacedFunction = 5
        case targetBinding = 6
        case inPlaceEdit = 7
        case createdBy = 8
        /// An old part of the replaced function recorded just before it (readers that predate it
        /// refuse the patch as "unknown record tag": they would not guard the part).
        case functionPart = 20
        /// A target binding whose address is a slot holding the symbol's address (format 1 readers
        /// that predate it refuse the patch as "unknown record tag": they cannot bind it).
        case targetSlotBinding = 12
    }

    /// The section contents for this metadata.
    public func encode() -> [UInt8] {
        var out = PatchMetadata.magic
        out.appendLE(formatVersion)
        out.appendLE(kind.rawValue)
        func record(_ tag: Tag, _ payload: [UInt8]) {
            out.appendLE(tag.rawValue)
            out.appendLE(UInt32(payload.count))
            out += payload
        }
        func counted(_ string: String) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.appendLE(UInt32(string.utf8.count))
            return bytes + Array(string.utf8)
        }
        record(.patchID, Array(id.rawValue.utf8))
        record(.description, Array(description.utf8))
        record(.targetPathHint, Array(targetPathHint.utf8))
        record(.targetBuildID, targetBuildID.bytes)
        for function in replacedFunctions {
            var payload: [UInt8] = []
            payload.appendLE(function.oldAddress.rawValue)
            payload.appendLE(function.oldSize)
            record(.replacedFunction, payload + counted(function.oldName) + counted(function.newName))
            for part in function.parts {
                var payload: [UInt8] = []
                payload.appendLE(part.address.rawValue)
                payload.appendLE(part.size)
                record(.functionPart, payload + counted(part.name))
            }
        }
        for binding in targetBindings {
            var payload: [UInt8] = []
            payload.appendLE(binding.address.rawValue)
            record(
                binding.kind == .slotValue ? .targetSlotBinding : .targetBinding,
                payload + counted(binding.symbol))
        }
        for edit in inPlaceEdits {
            var payload: [UInt8] = []
            payload.appendLE(edit.address.rawValue)
            payload.appendLE(UInt32(edit.old.count))
            record(.inPlaceEdit, payload + edit.old + edit.new)
        }
        record(.createdBy, Array(createdBy.utf8))
        return out
    }

    /// Decodes a `.hotpatch` section. Refuses newer format versions, unknown tags, duplicated or
    /// missing single records, and any record whose payload does not fit.
    public init(decoding bytes: ArraySlice<UInt8>) throws {
        var cursor = MetadataCursor(bytes: Array(bytes))
        guard let magic = cursor.take(8), magic == PatchMetadata.magic else {
            throw PatchFormatError.malformed("the .hotpatch section does not start with HOTPATCH")
        }
        guard let version = cursor.u32(), let rawKind = cursor.u32() else {
            throw PatchFormatError.malformed("the .hotpatch header is truncated")
        }
        guard version >= 1 else {
            throw PatchFormatError.malformed("format version \(version) does not exist")
        }
        guard version <= PatchMetadata.currentFormatVersion else {
            throw PatchFormatError.versionTooNew(
                found: version, supported: PatchMetadata.currentFormatVersion)
        }
        guard let kind = PatchKind(rawValue: rawKind) else {
            throw PatchFormatError.malformed("unknown patch kind \(rawKind)")
        }
        var records = DecodedRecords()
        while !cursor.atEnd {
            guard let rawTag = cursor.u16(), let length = cursor.u32(), let payload = cursor.take(Int(length))
            else {
                throw PatchFormatError.malformed(
                    "record at offset \(cursor.offset) runs past the end of the section")
            }
            guard let tag = Tag(rawValue: rawTag) else {
                throw PatchFormatError.malformed(
                    "unknown record tag \(rawTag) in format version \(version); upgrade hotpatch-agent")
            }
            try records.add(tag, MetadataCursor(bytes: payload))
        }
        guard let idString = records.single[.patchID] else {
            throw PatchFormatError.malformed("no patch id record")
        }
        guard let id = PatchID(idString) else {
            throw PatchFormatError.malformed("invalid patch id \"\(idString)\"")
        }
        guard let buildID = records.buildID else {
            throw PatchFormatError.malformed("no target build-id record")
        }
        self.init(
            kind: kind, id: id, description: records.single[.description] ?? "",
            targetPathHint: records.single[.targetPathHint] ?? "", targetBuildID: buildID,
            replacedFunctions: records.replacedFunctions, targetBindings: records.targetBindings,
            inPlaceEdits: records.inPlaceEdits, createdBy: records.single[.createdBy] ?? "",
            formatVersion: version)
    }
}

/// Records collected while decoding, with the once-only rule enforced.
private struct DecodedRecords {
    var single: [PatchMetadata.Tag: String] = [:]
    var buildID: BuildID?
    var replacedFunctions: [ReplacedFunction] = []
    var targetBindings: [TargetBinding] = []
    var inPlaceEdits: [InPlaceEdit] = []

    mutating func add(_ tag: PatchMetadata.Tag, _ payload: MetadataCursor) throws {
        var payload = payload
        switch tag {
        case .patchID, .description, .targetPathHint, .createdBy:
            guard single[tag] == nil else { throw PatchFormatError.malformed("record \(tag) appears twice") }
            single[tag] = payload.rest()
        case .targetBuildID:
            guard buildID == nil else {
                throw PatchFormatError.malformed("record targetBuildID appears twice")
            }
            let bytes = payload.restBytes()
            guard !bytes.isEmpty else { throw PatchFormatError.malformed("empty target build-id") }
            buildID = BuildID(bytes: bytes)
        case .replacedFunction:
            guard let address = payload.u64(), let size = payload.u64(), let old = payload.string(),
                let new = payload.string(), payload.atEnd
            else { throw PatchFormatError.malformed("replaced-function record has the wrong length") }
            replacedFunctions.append(
                ReplacedFunction(
                    oldAddress: ModuleAddress(address), oldSize: size, oldName: old, newName: new))
        case .functionPart:
            guard let address = payload.u64(), let size = payload.u64(), let name = payload.string(),
                payload.atEnd
            else { throw PatchFormatError.malformed("function-part record has the wrong length") }
            guard !replacedFunctions.isEmpty else {
                throw PatchFormatError.malformed(
                    "function-part record \(name) comes before any replaced function")
            }
            replacedFunctions[replacedFunctions.count - 1].parts.append(
                FunctionPart(address: ModuleAddress(address), size: size, name: name))
        case .targetBinding, .targetSlotBinding:
            guard let address = payload.u64(), let name = payload.string(), payload.atEnd else {
                throw PatchFormatError.malformed("target-binding record has the wrong length")
            }
            targetBindings.append(
                TargetBinding(
                    address: ModuleAddress(address), symbol: name,
                    kind: tag == .targetSlotBinding ? .slotValue : .address))
        case .inPlaceEdit:
            guard let address = payload.u64(), let count = payload.u32(), let old = payload.take(Int(count)),
                let new = payload.take(Int(count)), payload.atEnd
            else { throw PatchFormatError.malformed("in-place-edit record has the wrong length") }
            inPlaceEdits.append(InPlaceEdit(address: ModuleAddress(address), old: old, new: new))
        }
    }
}

/// Reads the metadata's little-endian fields; every read returns nil instead of running off the end.
private struct MetadataCursor {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset >= bytes.count }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
    mutating func u16() -> UInt16? { take(2).map { UInt16($0[0]) | UInt16($0[1]) << 8 } }
    mutating func u32() -> UInt32? { take(4).map { $0.reversed().reduce(0) { $0 << 8 | UInt32($1) } } }
    mutating func u64() -> UInt64? { take(8).map { $0.reversed().reduce(0) { $0 << 8 | UInt64($1) } } }
    mutating func string() -> String? {
        guard let count = u32(), let bytes = take(Int(count)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
    mutating func restBytes() -> [UInt8] { take(bytes.count - offset) ?? [] }
    mutating func rest() -> String { String(decoding: restBytes(), as: UTF8.self) }
}
