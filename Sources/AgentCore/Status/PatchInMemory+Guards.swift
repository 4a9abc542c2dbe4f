import Shared

extension PatchInMemory {
    /// The guard ranges of this patch, as the safe point wants them.
    var guards: [SafePoint.Guard] {
        header.guards.map {
            // "code" is a relocatable patch's own code, unmapped at revert: a pointer to it would
            // dangle. An in-place patch guards the edited functions, which stay where they are.
            SafePoint.Guard(
                start: $0.start, end: $0.start.advanced(by: $0.size),
                name: "\($0.name) of patch \(header.patchID)", entryIsCallable: $0.name != "code")
        }
    }
}
