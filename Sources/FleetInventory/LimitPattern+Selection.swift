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
