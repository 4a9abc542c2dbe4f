import Shared

/// What `hotpatch create` decided, with the reasons it prints.
struct PatchPlan {
    /// One line of the decision log.
    struct Decision: Equatable {
        enum Verdict: String {
            case included, leftOut = "left out", newFunction = "new function", newData = "new data", binds
        }
        let verdict: Verdict
        let name: String
        let reason: String
    }

    var carried: Set<PatchBuilder.SectionRef> = []
    var replacements: [PatchBuilder.Replacement] = []
    var decisions: [Decision] = []
}
