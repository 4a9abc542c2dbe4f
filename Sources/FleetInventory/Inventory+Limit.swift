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
