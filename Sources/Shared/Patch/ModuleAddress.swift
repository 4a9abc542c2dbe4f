/// A virtual address inside one module as linked (a symbol's `st_value` in the executable or
/// library file). Add the module's load bias (from `/proc/PID/maps`) to get a ``RemoteAddress``.
public struct ModuleAddress: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible
{
    /// The address as linked.
    public let rawValue: UInt64
    /// Wraps an address as linked.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps an address as linked.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Where this address is in a process that loaded the module with `bias` (0 for non-PIE executables).
    public func remote(bias: UInt64) -> RemoteAddress { RemoteAddress(rawValue &+ bias) }
    /// Orders addresses numerically.
    public static func < (lhs: ModuleAddress, rhs: ModuleAddress) -> Bool { lhs.rawValue < rhs.rawValue }
    /// The one-line text users see.
    public var description: String { "0x" + String(rawValue, radix: 16) }
}
