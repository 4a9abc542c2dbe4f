/// The name a patch carries from `hotpatch create` to every host (for example `parity-fix-1`).
/// Restricted to `[A-Za-z0-9._-]`, at most 64 bytes, so it is safe in file names and argv.
public struct PatchID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The id as written.
    public let rawValue: String
    /// Validates and wraps an id; nil when it holds other characters or is empty or too long.
    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
            rawValue.utf8.allSatisfy({ PatchID.allowed($0) })
        else { return nil }
        self.rawValue = rawValue
    }
    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
    /// As people read it in messages.
    public var description: String { rawValue }
}

/// An address in a target process's address space (never one of the agent's own).
public struct RemoteAddress: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible
{
    /// The virtual address in the target.
    public let rawValue: UInt64
    /// Wraps a target address.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a target address.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The address `offset` bytes further on (traps on overflow: a caller bug).
    public func advanced(by offset: UInt64) -> RemoteAddress { RemoteAddress(rawValue + offset) }
    /// Orders by the raw value.
    public static func < (lhs: RemoteAddress, rhs: RemoteAddress) -> Bool { lhs.rawValue < rhs.rawValue }
    /// As people read it in messages.
    public var description: String { "0x" + String(rawValue, radix: 16) }
}
