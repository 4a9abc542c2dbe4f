import Shared

/// Which processes a command is about.
package enum TargetSelection: Equatable {
    /// These pids.
    case pids([Pid])
    /// Every process that maps this file (executable or shared library).
    case executable(String)
    /// Every process the command applies to (maps the patch's module, or holds the patch).
    case all
}
