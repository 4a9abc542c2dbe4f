import Shared

/// Finds the target's counterpart of an object symbol whose name GCC numbered (`f.constprop.0`,
/// `f.part.1`, `counter.2`): by exact name when only the number is free to differ and one
/// candidate remains on each side, else by name only where that is unambiguous.
struct NumberedNames {
    /// What the lookup found.
    enum Match {
        case found(TargetModule.Definition)
        case absent
        /// Several candidates on one side: the number cannot be trusted to pair them.
        case ambiguous(object: [String], target: [String])
    }

    let target: TargetModule
    let unit: ObjectUnit
    /// Unnumbered name -> the target's names that have it.
    private let targetNames: [String: [String]]

    /// An index over the target's numbered names.
    init(target: TargetModule, unit: ObjectUnit) {
        self.target = target
        self.unit = unit
        var names: [String: [String]] = [:]
        for name in target.definitions.keys where GCCName.isNumbered(name) {
            names[GCCName.unnumbered(name), default: []].append(name)
        }
        targetNames = names
    }

    /// The target's definition for `symbol` of the object (same source file for statics).
    func match(_ symbol: ELFSymbol) throws -> Match {
        guard GCCName.isNumbered(symbol.name) else {
            return try target.definition(of: symbol.name, sourceFile: unit.sourceFile).map { .found($0) }
                ?? .absent
        }
        let key = GCCName.unnumbered(symbol.name)
        let mine = unit.symbols.filter {
            $0.isDefined && $0.type == symbol.type && GCCName.unnumbered($0.name) == key
        }.map(\.name)
        var theirs: [(String, TargetModule.Definition)] = []
        for name in (targetNames[key] ?? []).sorted() {
            if let definition = try? target.definition(of: name, sourceFile: unit.sourceFile),
                definition.file == nil || definition.symbol.binding != .local
                    || sameFile(definition.file)
            {
                theirs.append((name, definition))
            }
        }
        if mine.count == 1, theirs.count == 1 { return .found(theirs[0].1) }
        if theirs.isEmpty { return .absent }
        return .ambiguous(object: mine.sorted(), target: theirs.map(\.0))
    }

    private func sameFile(_ file: String?) -> Bool {
        guard let file, let sourceFile = unit.sourceFile else { return true }
        return file == sourceFile || file.hasSuffix("/" + sourceFile) || sourceFile.hasSuffix("/" + file)
    }

    /// The target's numbered local variables (`counter.1`) whose name without the number is
    /// `key`, from the object's source file.
    func targetStatics(named key: String) throws -> [TargetModule.Definition] {
        var statics: [TargetModule.Definition] = []
        for name in (targetNames[key] ?? []).sorted() {
            for definition in target.definitions[name] ?? []
            where definition.symbol.type == .object && definition.symbol.binding == .local
                && sameFile(definition.file)
            {
                statics.append(definition)
            }
        }
        return statics
    }

    /// The target's parts of the function `root` (X.cold, X.part.N, ...), from the same file.
    func targetParts(of root: String) throws -> [TargetModule.Definition] {
        var parts: [TargetModule.Definition] = []
        for name in target.definitions.keys where name.hasPrefix(root + ".") {
            var ancestor = name
            while let parent = GCCName.parent(of: ancestor), parent != root, parent.hasPrefix(root + ".") {
                ancestor = parent
            }
            guard GCCName.parent(of: ancestor) == root,
                let definition = try? target.definition(of: name, sourceFile: unit.sourceFile),
                definition.symbol.type == .function,
                definition.symbol.binding != .local || sameFile(definition.file)
            else { continue }
            parts.append(definition)
        }
        return parts.sorted { $0.symbol.value < $1.symbol.value }
    }
}
