/// Where the fix comes from: a commit of the source repository (built against its parent) or
/// a diff applied to a copy of the source tree as it is.
public enum FixSource: Equatable, Sendable {
    /// `--commit REV`: the fix is REV, the running code is REV's first parent.
    case commit(String)
    /// `--diff FILE`: the running code is the tree's tracked files, the fix is FILE applied to them.
    case diff(String)
}
