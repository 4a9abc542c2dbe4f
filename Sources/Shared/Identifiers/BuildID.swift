/// A GNU build-id (the `NT_GNU_BUILD_ID` note of an ELF module), the identity of one build.
public struct BuildID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The raw note bytes (usually 20, a SHA-1).
    public let bytes: [UInt8]
    /// Wraps the raw note bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// Parses lowercase or uppercase hex, as `readelf -n` and `file` print it; nil when not hex.
    public init?(hex: String) {
        var bytes: [UInt8] = []
        var pending: UInt8? = nil
        for scalar in hex.unicodeScalars {
            guard let nibble = HexDigits.value(of: scalar) else { return nil }
            if let high = pending {
                bytes.append(high << 4 | nibble)
                pending = nil
            } else {
                pending = nibble
            }
        }
        guard pending == nil, !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }
    /// Lowercase hex, as `readelf -n` prints it.
    public var hex: String { HexDigits.encode(bytes) }
    /// As people read it in messages.
    public var description: String { hex }
}

/// Hex encoding without Foundation.
public enum HexDigits {
    /// The value of one hex digit, or nil.
    public static func value(of scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "0"..."9": return UInt8(scalar.value - 48)
        case "a"..."f": return UInt8(scalar.value - 87)
        case "A"..."F": return UInt8(scalar.value - 55)
        default: return nil
        }
    }
    /// Lowercase hex of the bytes.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
