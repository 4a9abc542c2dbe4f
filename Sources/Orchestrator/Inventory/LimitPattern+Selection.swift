extension LimitPattern {
    /// The hosts the pattern selects, in inventory order.
    ///
    /// Each term matches group names (hosts of matching groups and their descendants) and,
    /// when no group matched or the term is a glob or regex, host names too, as Ansible's
    /// `_enumerate_matches` does. A term that matches no group and no host is almost always
    /// a typo, so it is an error listing every such term (Ansible only warns); an existing
    /// but empty group is fine. Selecting no host at all is an error too: there is nothing
    /// to roll out to.
    public func select(from inventory: Inventory) throws(LimitPatternError) -> [InventoryHost] {
        var selected: Set<String> = []
        var unmatched: [String] = []
        for term in terms {
            guard let matches = Self.hostNames(matching: term.matcher, in: inventory) else {
                unmatched.append(Self.spelled(term))
                continue
            }
            switch term.operation {
            case .union: selected.formUnion(matches)
            case .intersection: selected.formIntersection(matches)
            case .exclusion: selected.subtract(matches)
            }
        }
        if !unmatched.isEmpty {
            throw LimitPatternError(
                pattern: text,
                problem: "no host or group matches \(unmatched.map { "\"\($0)\"" }.joined(separator: ", "))"
                    + " in \(inventory.source); check the spelling (names are case-sensitive)")
        }
        let hosts = inventory.hosts.filter { selected.contains($0.name) }
        if hosts.isEmpty {
            throw LimitPatternError(pattern: text, problem: "selects no hosts in \(inventory.source)")
        }
        return hosts
    }

    /// Host names a single matcher selects; nil when it matches neither a group nor a host.
    static func hostNames(matching matcher: String, in inventory: Inventory) -> Set<String>? {
        let matches = NameMatcher(matcher)
        let groups = inventory.groups.filter { matches($0.name) }
        var names = Set(groups.flatMap { group in inventory.hosts(inGroup: group.name).map(\.name) })
        let isWildcard = matcher.hasPrefix("~") || matcher.contains(where: { "*?[.".contains($0) })
        var hostMatched = false
        if groups.isEmpty || isWildcard {
            for host in inventory.hosts where matches(host.name) {
                names.insert(host.name)
                hostMatched = true
            }
        }
        return groups.isEmpty && !hostMatched ? nil : names
    }

    private static func spelled(_ term: Term) -> String {
        switch term.operation {
        case .union: return term.matcher
        case .intersection: return "&" + term.matcher
        case .exclusion: return "!" + term.matcher
        }
    }
}

/// Matches names against one pattern term: `~regex` from the start of the name, a glob with
/// Python `fnmatch` rules (`*`, `?`, `[seq]`, `[!seq]`, case-sensitive, whole name), or an
/// exact name.
struct NameMatcher {
    private let match: (String) -> Bool

    init(_ matcher: String) {
        if matcher.hasPrefix("~") {
            let source = String(matcher.dropFirst())
            match = { name in
                // Validated when the pattern was parsed; compiled here because Regex is not Sendable.
                guard let regex = try? Regex(source) else { return false }
                return name.prefixMatch(of: regex) != nil
            }
        } else if matcher.contains(where: { "*?[".contains($0) }) {
            let pattern = Array(matcher)
            match = { name in Glob.matches(pattern[...], Array(name)[...]) }
        } else {
            match = { $0 == matcher }
        }
    }

    func callAsFunction(_ name: String) -> Bool { match(name) }
}

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

extension Inventory {
    /// The hosts a rollout works on: those `--limit` selects, or every host when there is no
    /// limit; always in inventory order and never empty (an empty selection throws).
    public func hosts(limit: String?) throws(LimitPatternError) -> [InventoryHost] {
        try LimitPattern(limit ?? "all").select(from: self)
    }
}
