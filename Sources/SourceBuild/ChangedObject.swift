import Foundation

/// An object the fix changed: its bytes differ from the parent build's object of the same
/// path (so a changed header counts), or the fix added it.
public struct ChangedObject: Sendable, Equatable {
    /// The object's path under the side (`src/proto_text.o`, `build/CMakeFiles/g.dir/g.cpp.o`).
    public let key: String
    /// The source it was compiled from, relative to the tree's top.
    public let source: String
    /// The parent build's object (the code that should be running); nil for a new object.
    public let parentObject: String?
    /// The fix build's object.
    public let fixObject: String

    /// Pairs two builds' objects by path and keeps those whose bytes differ.
    static func pairing(
        parent: [String: CompileLog.Compile], fix: [String: CompileLog.Compile], tree: String
    ) -> [ChangedObject] {
        fix.keys.sorted().compactMap { key in
            let fixed = fix[key]!
            let old = parent[key]?.object
            if let old, FileManager.default.contentsEqual(atPath: old, andPath: fixed.object) { return nil }
            let source =
                fixed.source.hasPrefix(tree + "/") ? String(fixed.source.dropFirst(tree.count + 1)) : fixed.source
            return ChangedObject(key: key, source: source, parentObject: old, fixObject: fixed.object)
        }
    }
}
