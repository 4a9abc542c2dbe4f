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

    /// Pairs two builds' objects by path: those whose bytes differ (or are new), and the
    /// parent's objects the fix left identical, by source (another program's build of a changed
    /// source may be the one running).
    static func pairing(
        parent: [String: CompileLog.Compile], fix: [String: CompileLog.Compile], tree: String
    ) -> (changed: [ChangedObject], unchanged: [String: [String]]) {
        var changed: [ChangedObject] = []
        var unchanged: [String: [String]] = [:]
        for key in fix.keys.sorted() {
            let fixed = fix[key]!
            let old = parent[key]?.object
            let source =
                fixed.source.hasPrefix(tree + "/")
                ? String(fixed.source.dropFirst(tree.count + 1)) : fixed.source
            if let old, FileManager.default.contentsEqual(atPath: old, andPath: fixed.object) {
                unchanged[source, default: []].append(old)
            } else {
                changed.append(
                    ChangedObject(key: key, source: source, parentObject: old, fixObject: fixed.object))
            }
        }
        return (changed, unchanged)
    }
}
