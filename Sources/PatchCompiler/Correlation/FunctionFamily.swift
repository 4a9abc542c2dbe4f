import Shared

/// A function with the parts GCC split off it (`X.cold` in `.text.unlikely.X`, `X.part.N` from
/// partial inlining), which belong to it (kpatch's `kpatch_detect_child_functions`): they are
/// compared, included and carried together, and no jump is ever written at a part's entry.
/// Clones (`X.constprop.N`, `X.isra.N`) are callable functions of their own: roots of their own
/// family, found in the target by base name and kind when the number differs.
struct FunctionFamily {
    /// The callable function.
    let root: ELFSymbol
    /// Its parts (and theirs: `X.part.0.cold`), in symbol order.
    var parts: [ELFSymbol]

    /// Every member, root first.
    var members: [ELFSymbol] { [root] + parts }

    /// The families of an object's functions. A part whose parent the object lacks is its own
    /// root (it is then compared and replaced like any function, which is what it is).
    static func families(of functions: [ELFSymbol]) -> [FunctionFamily] {
        let byName = Dictionary(functions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var parts: [String: [ELFSymbol]] = [:]
        var roots: [ELFSymbol] = []
        for function in functions {
            var root = function.name
            while let parent = GCCName.parent(of: root), byName[parent] != nil { root = parent }
            if root == function.name {
                roots.append(function)
            } else {
                parts[root, default: []].append(function)
            }
        }
        return roots.map { FunctionFamily(root: $0, parts: parts[$0.name] ?? []) }
    }
}

/// The suffixes GCC adds to the names of functions it splits or clones.
enum GCCName {
    /// The function a part was split from: `X` for `X.cold`, `X.cold.N` and `X.part.N`.
    static func parent(of name: String) -> String? {
        let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count >= 2 else { return nil }
        if pieces.last == "cold" { return pieces.dropLast().joined(separator: ".") }
        let numbered = pieces.last.map { !$0.isEmpty && $0.allSatisfy(\.isNumber) } ?? false
        if numbered, pieces.count >= 3, ["part", "cold"].contains(pieces[pieces.count - 2]) {
            return pieces.dropLast(2).joined(separator: ".")
        }
        return nil
    }

    /// Whether `name` is a part (not callable by other functions on its own terms).
    static func isPart(_ name: String) -> Bool { parent(of: name) != nil }

    /// The name with GCC's numbers dropped (`f.constprop.0.isra.3` -> `f.constprop.isra`): what
    /// stays the same between two builds of a clone or a static local whose number moved.
    static func unnumbered(_ name: String) -> String {
        let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count > 1 else { return name }
        var kept = [pieces[0]]
        for piece in pieces.dropFirst() where !(piece.allSatisfy(\.isNumber) && !piece.isEmpty) {
            kept.append(piece)
        }
        return kept.joined(separator: ".")
    }

    /// Whether GCC numbered this name (a clone, part or static local: `.constprop.0`, `counter.1`).
    static func isNumbered(_ name: String) -> Bool { unnumbered(name) != name }
}
