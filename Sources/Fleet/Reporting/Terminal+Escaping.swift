extension Terminal {
    /// Text made safe to show a person: every character a terminal would act on instead of
    /// showing is written as `\u{XX}`, its code point in hex as Swift spells it (ESC is
    /// `\u{1B}`, BEL `\u{07}`, so `ESC ]0;title BEL` shows as `\u{1B}]0;title\u{07}`).
    ///
    /// Escaped: C0 controls (U+0000-U+001F, newline and tab kept when `multiline`), DEL
    /// (U+007F), C1 controls (U+0080-U+009F, which some terminals obey as CSI/OSC), and the
    /// bidirectional formatting characters (U+061C, U+200E-U+200F, U+202A-U+202E,
    /// U+2066-U+2069) that reorder what a line appears to say. Invalid UTF-8 from a host was
    /// already replaced by U+FFFD when its bytes became text. A backslash is left as it is, so
    /// the result is unchanged by a second pass (`escaped(escaped(x)) == escaped(x)`).
    ///
    /// The one function every human-facing path uses for text it did not write itself (host
    /// output, host and inventory names, error messages). JSON output never goes through it:
    /// JSON escapes control characters itself and keeps the exact text.
    package static func escaped(_ text: String, multiline: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { mustEscape($0, multiline: multiline) }) else {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if mustEscape(scalar, multiline: multiline) {
                result += "\\u{" + hex(scalar.value) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// True for the scalars `escaped` rewrites.
    static func mustEscape(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return !multiline
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `1B`, `07`, `202E`: upper-case hex, at least two digits.
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count < 2 ? "0" + digits : digits
    }
}
