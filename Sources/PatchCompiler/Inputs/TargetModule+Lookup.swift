import Shared

extension TargetModule {
    /// The target's definition of `name`; statics of several files are told apart by the
    /// object's source file. Nil when the target has none; throws when it stays ambiguous.
    func definition(of name: String, sourceFile: String?) throws -> Definition? {
        // GCC's `f.localalias` (-fno-semantic-interposition) is `f` under a local name.
        if definitions[name] == nil, name.hasSuffix(".localalias") {
            return try definition(of: String(name.dropLast(".localalias".count)), sourceFile: sourceFile)
        }
        guard let candidates = definitions[name], !candidates.isEmpty else { return nil }
        if candidates.count == 1 { return candidates[0] }
        let sameFile = candidates.filter { candidate in
            guard let file = candidate.file, let sourceFile else { return false }
            return file == sourceFile || file.hasSuffix("/" + sourceFile) || sourceFile.hasSuffix("/" + file)
        }
        if sameFile.count == 1 { return sameFile[0] }
        let globals = candidates.filter { $0.symbol.binding != .local }
        if sameFile.isEmpty && globals.count == 1 { return globals[0] }
        let listed = candidates.map { "\($0.address) (\($0.file ?? "global"))" }.joined(separator: ", ")
        throw PatchCreationError(
            "\(name) is ambiguous in \(path): \(candidates.count) definitions at \(listed), and the object's source "
                + "file \(sourceFile ?? "(unknown)") picks none; compile the fix from the source file (same file name) "
                + "that defines the one you mean")
    }

    /// The bytes of the loaded image at `address`.
    func bytes(at address: UInt64, count: UInt64) throws -> [UInt8] {
        Array(try elf.bytes(atAddress: address, count: count))
    }

    /// Bytes of a definition: zeros for `.bss`-like (not in the file) variables.
    func initialBytes(of definition: Definition) throws -> [UInt8] {
        let section = try elf.section(
            at: Int(definition.symbol.sectionIndex), for: "symbol \(definition.symbol.name)")
        if section.type == .nobits { return [UInt8](repeating: 0, count: Int(definition.symbol.size)) }
        return try bytes(at: definition.symbol.value, count: definition.symbol.size)
    }

    /// The NUL-terminated string at `address` in the image (at most 4096 bytes), or nil.
    func cString(at address: UInt64) -> [UInt8]? {
        guard let offset = elf.fileOffset(ofAddress: address), offset < UInt64(elf.bytes.count) else {
            return nil
        }
        let tail = elf.bytes[Int(offset)...].prefix(4096)
        guard let end = tail.firstIndex(of: 0) else { return nil }
        return Array(tail[..<end])
    }
}
