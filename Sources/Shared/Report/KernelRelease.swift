/// A Linux kernel release (`uname -r`, such as `6.8.0-45-generic` or `3.10.0-1160.el7.x86_64`)
/// and the oldest one the agent runs on; used by the agent's preflight and the coordinator's
/// upload survey alike.
public struct KernelRelease: Comparable, Sendable, CustomStringConvertible {
    /// Major and minor version.
    public let major: Int
    /// Minor version.
    public let minor: Int

    /// The oldest kernel the agent supports (process_vm_readv, PTRACE_SEIZE and friends).
    public static let minimum = KernelRelease(major: 3, minor: 2)

    /// Builds a release from its numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses the leading `MAJOR.MINOR` of a release string; nil when it does not start so.
    public init?(_ text: String) {
        let numbers = text.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2, text.first?.isNumber == true else { return nil }
        self.init(major: numbers[0], minor: numbers[1])
    }

    /// `3.2`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor.
    public static func < (lhs: KernelRelease, rhs: KernelRelease) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// Why a host with kernel `release` cannot run the agent, or nil when it can (an
    /// unparsable release is let through: the agent's own start says the rest).
    public static func problem(_ release: String) -> String? {
        guard let found = KernelRelease(release), found < minimum else { return nil }
        return "the host's kernel \(release) is older than \(minimum), the oldest the agent supports"
    }
}
