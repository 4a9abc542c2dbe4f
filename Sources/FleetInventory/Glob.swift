/// Python `fnmatch` semantics without case folding (POSIX).
enum Glob {
    /// Whether `name` matches `pattern`. One pass with a single backtrack point (the last `*`
    /// seen): a later `*` subsumes every earlier one's choices, so this is O(pattern x name) even
    /// for `*a*a*a...` patterns, where plain recursion takes exponential time (found by
    /// InventoryFuzz: a pattern of 60 stars timed out).
    static func matches(_ pattern: ArraySlice<Character>, _ name: ArraySlice<Character>) -> Bool {
        let pattern = Array(pattern)
        let name = Array(name)
        var p = 0
        var n = 0
        var star: (pattern: Int, name: Int)? = nil
        while n < name.count {
            if p < pattern.count, let next = step(pattern, at: p, accepting: name[n]) {
                p = next
                n += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = (p, n)
                p += 1
            } else if let last = star {
                // Let the last `*` take one more character and try again from there.
                star = (last.pattern, last.name + 1)
                p = last.pattern + 1
                n = last.name + 1
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// The pattern position after the element at `index` when it accepts `character` (`?`, a
    /// bracket, or a literal; a bracket that never closes is a literal `[`); nil otherwise and for `*`.
    private static func step(_ pattern: [Character], at index: Int, accepting character: Character) -> Int? {
        switch pattern[index] {
        case "*":
            return nil
        case "?":
            return index + 1
        case "[":
            guard let (accepts, rest) = bracket(pattern[index...]) else {
                return character == "[" ? index + 1 : nil
            }
            return accepts(character) ? rest.startIndex : nil
        case let literal:
            return literal == character ? index + 1 : nil
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
