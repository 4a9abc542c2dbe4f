/// Little-endian output for headers.
struct ByteWriter {
    /// The bytes written so far.
    private(set) var data: [UInt8] = []
    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            data.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }
    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            data.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
    mutating func bytes(_ value: [UInt8]) { data += value }
    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        data += Array(value.utf8)
    }
}
