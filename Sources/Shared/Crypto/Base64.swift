/// Standard base64 (RFC 4648, with `=` padding) for key lines, without Foundation: the agent
/// reads `/etc/hotpatch/trusted-keys` and must stay Foundation-free.
public enum Base64 {
    private static let alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The base64 text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = bytes[start..<min(start + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) {
                $0 | UInt32($1.element) << (16 - 8 * $1.offset)
            }
            for position in 0..<4 {
                out.append(
                    position <= chunk.count
                        ? alphabet[Int((value >> (18 - 6 * position)) & 63)] : UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of padded base64 `text`, or nil when it is not exactly that.
    public static func decode(_ text: Substring) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        for start in stride(from: 0, to: characters.count, by: 4) {
            var value: UInt32 = 0
            var padding = 0
            for (offset, character) in characters[start..<(start + 4)].enumerated() {
                if character == UInt8(ascii: "=") {
                    // Padding only at the end of the last group.
                    guard start + 4 == characters.count, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0, let digit = alphabet.firstIndex(of: character) else { return nil }
                value |= UInt32(digit) << (18 - 6 * offset)
            }
            out += [
                UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                UInt8(truncatingIfNeeded: value),
            ]
            .prefix(3 - padding)
        }
        return out
    }
}
