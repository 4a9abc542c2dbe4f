/// Little-endian input that returns nil instead of running off the end.
struct ByteCursor {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// Bytes not yet taken.
    var remaining: Int { bytes.count - offset }
    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
    mutating func u32() -> UInt32? { take(4).map { $0.reversed().reduce(0) { $0 << 8 | UInt32($1) } } }
    mutating func u64() -> UInt64? { take(8).map { $0.reversed().reduce(0) { $0 << 8 | UInt64($1) } } }
    mutating func string() -> String? {
        guard let count = u32(), count <= 4096, let raw = take(Int(count)) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}
