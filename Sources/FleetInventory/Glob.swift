/// Python `fnmatch` semantics without case folding (POSIX).
enum Glob {
    static func matches(_ pattern: ArraySlice<Character>, _ name: ArraySlice<Character>) -> Bool {
        guard let head = pattern.first else { return name.isEmpty }
        switch head {
        case "*":
            let rest = pattern.dropFirst()
            var suffix = name
            while true {
                if matches(rest, suffix) { return true }
                guard !suffix.isEmpty else { return false }
                suffix = suffix.dropFirst()
            }
        case "?":
            return !name.isEmpty && matches(pattern.dropFirst(), name.dropFirst())
        case "[":
            guard let (accepts, rest) = bracket(pattern) else {
                return name.first == "[" && matches(pattern.dropFirst(), name.dropFirst())
            }
            guard let first = name.first, accepts(first) else { return false }
            return matches(rest, name.dropFirst())
        default:
            return name.first == head && matches(pattern.dropFirst(), name.dropFirst())
        }
    }

    /// `[abc]`, `[a-z]`, `[!0-9]`; nil when the bracket never closes (then `[` is literal).
    private static func bracket(
        _ pattern: ArraySlice<Character>
    ) -> ((Character) -> Bool, ArraySlice<Character>)? {
        var index = pattern.index(after: pattern.startIndex)
        let negated = index < pattern.endIndex && pattern[index] == "!"
        if negated { index += 1 }
        let start = index
        if index < pattern.endIndex && pattern[index] == "]" { index += 1 }  // `[]]` holds `]`
        while index < pattern.endIndex && pattern[index] != "]" { index += 1 }
        guard index < pattern.endIndex else { return nil }
        let set = Array(pattern[start..<index])
        let accepts: (Character) -> Bool = { character in
            var i = 0, found = false
            while i < set.count {
                if i + 2 < set.count, set[i + 1] == "-" {
                    if set[i] <= character && character <= set[i + 2] { found = true }
                    i += 3
                } else {
                    if set[i] == character { found = true }
                    i += 1
                }
            }
            return found != negated
        }
        return (accepts, pattern[(index + 1)...])
    }
}
