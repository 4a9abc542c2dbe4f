#if canImport(Glibc)
    import Glibc
#endif

/// A signal number, named.
struct Signal: RawRepresentable, Equatable, Hashable, CustomStringConvertible {
    let rawValue: Int32
    init(rawValue: Int32) { self.rawValue = rawValue }

    /// SIGKILL.
    static let kill = Signal(rawValue: SIGKILL)
    /// SIGSTOP.
    static let stop = Signal(rawValue: SIGSTOP)
    /// SIGCONT: discards every pending stop signal of the process.
    static let `continue` = Signal(rawValue: SIGCONT)
    /// SIGTRAP.
    static let trap = Signal(rawValue: SIGTRAP)

    var description: String {
        switch self {
        case .kill: "SIGKILL"
        case .stop: "SIGSTOP"
        case .continue: "SIGCONT"
        case .trap: "SIGTRAP"
        default: "signal \(rawValue)"
        }
    }
}
