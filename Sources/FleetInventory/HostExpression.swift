/// A host as an inventory line writes it: a name or address, optionally with Ansible ranges
/// (`web[01:50]`, `db-[a:f]`, `node[1:10:2]`, several in one name) and an optional `:port`
/// (`host:2222`, `[2001:db8::1]:2222`).
struct HostExpression {
    /// The most hosts one expression, and one inventory, may name. A range is counted before it
    /// is expanded, so `web[0:999999999]` is refused at once instead of filling memory. The fuzz
    /// build (scripts/fuzz, `-DFUZZING`) uses a lower limit: parsing 90,000 hosts takes ~11 s under
    /// AddressSanitizer in a debug build, which would make the fuzz job's verdict depend on the
    /// machine's speed; the limit's own logic is the same and is tested at 100,000.
    #if FUZZING
        static let maximumNames = 2_000
    #else
        static let maximumNames = 100_000
    #endif

    /// The expanded names, in range order.
    let names: [String]
    /// The port written after the name, if any.
    let port: UInt16?

    /// Parses and expands; errors are messages for `InventoryError`.
    init(_ text: String) throws(HostExpressionError) {
        let (pattern, port) = try Self.splitPort(text)
        self.port = port
        if pattern.hasPrefix("[") && pattern.hasSuffix("]") && pattern.filter({ $0 == ":" }).count >= 2
            && !pattern.dropFirst().dropLast().contains(where: { $0 == "[" || $0 == "]" })
            && pattern.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })
        {
            names = [String(pattern.dropFirst().dropLast())]  // a bracketed IPv6 address
        } else if pattern.filter({ $0 == ":" }).count >= 2 && !pattern.contains("[") {
            names = [pattern]  // a bare IPv6 address
        } else {
            var expanded: [String] = []
            try Self.expand(pattern, into: &expanded, whole: pattern)
            names = expanded
        }
        if names.contains(where: \.isEmpty) { throw HostExpressionError("empty host name") }
    }

    /// Splits `name:port` where the colon is outside brackets and the rest are digits.
    private static func splitPort(_ text: String) throws(HostExpressionError) -> (String, UInt16?) {
        var depth = 0
        var outsideColons: [String.Index] = []
        for index in text.indices {
            switch text[index] {
            case "[": depth += 1
            case "]": depth -= 1
            case ":" where depth == 0: outsideColons.append(index)
            default: break
            }
        }
        guard outsideColons.count == 1, let colon = outsideColons.first else { return (text, nil) }
        let digits = text[text.index(after: colon)...]
        guard let number = Int(digits), (1...65535).contains(number) else {
            throw HostExpressionError("\"\(digits)\" after ':' in \"\(text)\" is not a port number 1-65535")
        }
        return (String(text[..<colon]), UInt16(number))
    }

    /// Expands the first `[begin:end(:stride)]` and recurses on the results, as Ansible does,
    /// appending to `out` and stopping as soon as it would pass `maximumNames`.
    private static func expand(_ pattern: String, into out: inout [String], whole: String)
        throws(HostExpressionError)
    {
        guard let open = pattern.firstIndex(of: "[") else {
            if pattern.contains("]") { throw HostExpressionError("unbalanced ']' in \"\(pattern)\"") }
            guard out.count < maximumNames else { throw tooMany(whole) }
            out.append(pattern)
            return
        }
        guard let close = pattern[open...].firstIndex(of: "]") else {
            throw HostExpressionError("unbalanced '[' in \"\(pattern)\"; a range looks like web[01:50]")
        }
        let head = pattern[..<open]
        let tail = pattern[pattern.index(after: close)...]
        let bounds = pattern[pattern.index(after: open)..<close].split(
            separator: ":", omittingEmptySubsequences: false)
        let items = try rangeItems(bounds.map(String.init), in: pattern, room: maximumNames - out.count)
        for item in items { try expand(head + item + tail, into: &out, whole: whole) }
    }

    private static func tooMany(_ pattern: String) -> HostExpressionError {
        HostExpressionError(
            "\"\(pattern)\" names more than \(maximumNames) hosts, the most one inventory may hold; "
                + "split the fleet into several inventories")
    }

    /// The items of one bracket; more than `room` of them is refused before any is made.
    private static func rangeItems(_ bounds: [String], in pattern: String, room: Int)
        throws(HostExpressionError) -> [String]
    {
        guard bounds.count == 2 || bounds.count == 3 else {
            throw HostExpressionError(
                "\"\(pattern)\" has a bracket that is not a range; write [begin:end] or [begin:end:stride]")
        }
        let begin = bounds[0].isEmpty ? "0" : bounds[0]
        let end = bounds[1]
        guard !end.isEmpty else {
            throw HostExpressionError("host range in \"\(pattern)\" must specify an end value")
        }
        let strideText = bounds.count == 3 ? bounds[2] : "1"
        guard let step = Int(strideText), step > 0 else {
            throw HostExpressionError("stride \"\(strideText)\" in \"\(pattern)\" must be a positive integer")
        }
        if let first = Int(begin), let last = Int(end), first >= 0, last >= 0 {
            guard first <= last else {
                throw HostExpressionError("host range in \"\(pattern)\" must have begin <= end")
            }
            // A leading zero asks for zero padding, and both bounds must then be as wide.
            let width = begin.count > 1 && begin.hasPrefix("0") ? begin.count : 0
            if width > 0 && end.count != width {
                throw HostExpressionError(
                    "zero-padded host range in \"\(pattern)\" must have begin and end of equal length")
            }
            guard (last - first) / step < room else { throw tooMany(pattern) }
            return stride(from: first, through: last, by: step).map { number in
                let digits = String(number)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard begin.count == 1, end.count == 1, let first = letters.firstIndex(of: Character(begin)),
            let last = letters.firstIndex(of: Character(end))
        else {
            throw HostExpressionError(
                "host range in \"\(pattern)\" must be numbers (01:50) or single letters (a:f)")
        }
        guard first <= last else {
            throw HostExpressionError("host range in \"\(pattern)\" must have begin <= end")
        }
        return stride(from: first, through: last, by: step).map { String(letters[$0]) }
    }
}

/// Why a host expression cannot be expanded; the parsers add file and line.
struct HostExpressionError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
