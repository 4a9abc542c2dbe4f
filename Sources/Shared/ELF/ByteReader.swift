/// Bounds-checked little-endian reads from a file image. Every offset comes from the file
/// itself and may be hostile, so every read checks for overflow and for the end of the bytes.
struct ByteReader: Sendable {
    /// The whole file.
    let bytes: [UInt8]

    /// Checks that `size` bytes at `offset` lie inside the file and returns the range as Ints.
    func range(offset: UInt64, size: UInt64, what: @autoclosure () -> String) throws -> Range<Int> {
        let count = UInt64(bytes.count)
        guard offset <= count, size <= count - offset else {
            throw ELFError.truncated(what: what(), offset: offset, size: size, fileSize: bytes.count)
        }
        return Int(offset)..<Int(offset + size)
    }

    /// The bytes at `offset`, checked.
    func slice(offset: UInt64, size: UInt64, what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        bytes[try range(offset: offset, size: size, what: what())]
    }

    func u8(_ offset: Int) -> UInt8 { bytes[offset] }

    /// Unchecked little-endian reads: callers check the whole structure's range first.
    func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
    func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }

    /// A NUL-terminated string inside `table` (a string table's bytes) at `index`.
    static func string(in table: ArraySlice<UInt8>, at index: UInt32, what: @autoclosure () -> String) throws
        -> String
    {
        guard Int(index) < table.count else {
            throw ELFError.malformed(
                "\(what()): name offset \(index) outside its string table (\(table.count) bytes)")
        }
        let start = table.startIndex + Int(index)
        guard let end = table[start...].firstIndex(of: 0) else {
            throw ELFError.malformed("\(what()): name at offset \(index) is not NUL-terminated")
        }
        return String(decoding: table[start..<end], as: UTF8.self)
    }
}

/// Little-endian appends for the writers (ELF object writer, patch metadata encoder).
extension Array where Element == UInt8 {
    /// Appends a little-endian u16.
    mutating func appendLE(_ value: UInt16) { append(UInt8(value & 0xff)); append(UInt8(value >> 8)) }
    /// Appends a little-endian u32.
    mutating func appendLE(_ value: UInt32) {
        appendLE(UInt16(value & 0xffff))
        appendLE(UInt16(value >> 16))
    }
    /// Appends a little-endian u64.
    mutating func appendLE(_ value: UInt64) {
        appendLE(UInt32(value & 0xffff_ffff))
        appendLE(UInt32(value >> 32))
    }
    /// Pads with zeros to a multiple of `alignment` (a power of two, or 0/1 for none).
    mutating func pad(toAlignment alignment: UInt64) {
        guard alignment > 1 else { return }
        while UInt64(count) % alignment != 0 { append(0) }
    }
}
