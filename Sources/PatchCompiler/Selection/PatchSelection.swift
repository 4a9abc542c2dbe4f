import Shared

/// What `hotpatch create` decided, with the reasons it prints.
package struct PatchSelection {
    /// One line of the decision log.
    package struct Decision: Equatable {
        package enum Verdict: String {
            case included, leftOut = "left out", newFunction = "new function", newData = "new data", binds,
                hint
        }
        package let verdict: Verdict
        package let name: String
        package let reason: String
    }

    var carried: Set<PatchBuilder.SectionRef> = []
    var replacements: [PatchBuilder.Replacement] = []
    var decisions: [Decision] = []
    /// Per object: its function-scope statics paired with the target's (never by GCC's number).
    var statics: [StaticLocals] = []

    /// Per object: the symbol indices of changed file-local constants, carried as new data.
    var changedConstants: [Set<Int>] = []

    /// Where an object symbol binds in the target: a static local's counterpart (`.new` for a
    /// new one or a changed constant), else nil to let the caller look the name up.
    func staticCounterpart(object: Int, symbol: ELFSymbol) -> StaticLocals.Counterpart? {
        if object < changedConstants.count, changedConstants[object].contains(symbol.index) { return .new }
        guard object < statics.count else { return nil }
        return statics[object].counterparts[symbol.index]
    }
}
