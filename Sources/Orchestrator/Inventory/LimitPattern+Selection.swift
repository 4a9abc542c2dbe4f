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
            guard let ordered = Self.hostNames(matching: term.matcher, in: inventory),
                let matches = Self.apply(term.position, to: ordered)
            else {
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
    /// A single group keeps the group's own order (its hosts, then its children's), which is
    /// what subscripts count in; anything else is in inventory order.
    static func hostNames(matching matcher: String, in inventory: Inventory) -> [String]? {
        let matches = NameMatcher(matcher)
        let groups = inventory.groups.filter { matches($0.name) }
        let isWildcard = matcher.hasPrefix("~") || matcher.contains(where: { "*?[.".contains($0) })
        let hosts =
            groups.isEmpty || isWildcard ? inventory.hosts.filter { matches($0.name) }.map(\.name) : []
        if groups.isEmpty && hosts.isEmpty { return nil }
        if groups.count == 1 && hosts.isEmpty { return inventory.orderedHostNames(ofGroup: groups[0].name) }
        let names = Set(hosts + groups.flatMap { inventory.hosts(inGroup: $0.name).map(\.name) })
        return inventory.hosts.map(\.name).filter(names.contains)
    }

    /// The subscripted part of the matches; nil when the subscript selects nothing.
    static func apply(_ position: Subscript?, to names: [String]) -> Set<String>? {
        switch position {
        case nil:
            return Set(names)
        case .index(let index):
            let position = index < 0 ? names.count + index : index
            return names.indices.contains(position) ? [names[position]] : nil
        case .range(let start, let end):
            let last = min(end ?? names.count - 1, names.count - 1)
            return start <= last ? Set(names[start...last]) : nil
        }
    }

    private static func spelled(_ term: Term) -> String {
        let prefix: String
        switch term.operation {
        case .union: prefix = ""
        case .intersection: prefix = "&"
        case .exclusion: prefix = "!"
        }
        switch term.position {
        case nil: return prefix + term.matcher
        case .index(let index): return "\(prefix)\(term.matcher)[\(index)]"
        case .range(let start, let end):
            return "\(prefix)\(term.matcher)[\(start):\(end.map(String.init) ?? "")]"
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
    /// A group's hosts in the group's own order (Ansible's `Group.get_hosts`): its own
    /// hosts as listed, then each child's, depth first, each host once.
    func orderedHostNames(ofGroup name: String) -> [String] {
        var seen: Set<String> = []
        var visited: Set<String> = []
        var out: [String] = []
        func walk(_ group: String) {
            guard visited.insert(group).inserted, let found = self.group(named: group) else { return }
            for host in found.hosts where seen.insert(host).inserted { out.append(host) }
            for child in found.children { walk(child) }
        }
        walk(name)
        return out
    }

    /// The hosts a rollout works on: those `--limit` selects, or every host when there is no
    /// limit; always in inventory order and never empty (an empty selection throws).
    public func hosts(limit: String?) throws(LimitPatternError) -> [InventoryHost] {
        try LimitPattern(limit ?? "all").select(from: self)
    }
}
