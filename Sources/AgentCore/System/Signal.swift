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
    /// SIGILL.
    static let illegalInstruction = Signal(rawValue: SIGILL)
    /// SIGBUS.
    static let busError = Signal(rawValue: SIGBUS)
    /// SIGFPE.
    static let arithmeticError = Signal(rawValue: SIGFPE)
    /// SIGSEGV.
    static let segmentationFault = Signal(rawValue: SIGSEGV)

    var description: String {
        switch self {
        case .kill: "SIGKILL"
        case .stop: "SIGSTOP"
        case .continue: "SIGCONT"
        case .trap: "SIGTRAP"
        case .illegalInstruction: "SIGILL"
        case .busError: "SIGBUS"
        case .arithmeticError: "SIGFPE"
        case .segmentationFault: "SIGSEGV"
        default: "signal \(rawValue)"
        }
    }
}
