extension InventoryBuilder {
    /// Resolves everything collected into an `Inventory`, in these steps:
    /// attach top-level groups to `all`, refuse `children` cycles, compute depths, put hosts
    /// without a group into `ungrouped`, then give every host its variables by precedence.
    func build() throws -> Inventory {
        var drafts = groups
        // Every group nobody claims is a child of `all`, as Ansible makes it.
        for name in groupOrder where name != "all" && drafts[name]!.parents.isEmpty {
            drafts["all"]!.children.append(name)
            drafts[name]!.parents.append("all")
        }
        try Self.refuseCycles(drafts, order: groupOrder, file: file)
        // Hosts that are in no group but `all` are `ungrouped`, like Ansible's.
        let grouped = Set(
            drafts.values.filter { $0.name != "all" && $0.name != "ungrouped" }.flatMap(\.hosts))
        for host in hostOrder
        where !grouped.contains(host) && drafts["ungrouped"]!.hostSet.insert(host).inserted {
            drafts["ungrouped"]!.hosts.append(host)
        }
        var depths: [String: Int] = [:]
        for name in groupOrder { _ = Self.depth(of: name, in: drafts, memo: &depths) }
        let priorities = try Self.priorities(drafts)

        let finalGroups = groupOrder.map { name in
            let draft = drafts[name]!
            return InventoryGroup(
                name: name, hosts: draft.hosts, children: draft.children,
                vars: draft.vars.mapValues(\.value), depth: depths[name]!)
        }
        var directGroups: [String: [String]] = [:]
        for name in groupOrder {
            for host in drafts[name]!.hosts { directGroups[host, default: []].append(name) }
        }
        let hosts = try hostOrder.map { name in
            try resolveHost(
                name, directGroups: directGroups[name] ?? [], drafts: drafts, depths: depths,
                priorities: priorities)
        }
        return Inventory(source: file, hosts: hosts, groups: finalGroups)
    }

    /// One host: its groups (ancestors included), their variables lowest precedence first,
    /// its own variables last, then the typed connection settings.
    private func resolveHost(
        _ name: String, directGroups: [String], drafts: [String: GroupDraft], depths: [String: Int],
        priorities: [String: Int]
    ) throws -> InventoryHost {
        var member: Set<String> = ["all"]
        var pending = directGroups
        while let group = pending.popLast() {
            if member.insert(group).inserted { pending += drafts[group]!.parents }
        }
        let ordered = member.sorted {
            (depths[$0]!, priorities[$0]!, $0) < (depths[$1]!, priorities[$1]!, $1)
        }
        var merged: [String: Variable] = [:]
        for group in ordered { merged.merge(drafts[group]!.vars) { _, new in new } }
        merged.merge(hostVars[name] ?? [:]) { _, new in new }
        return try ConnectionVariables(host: name, vars: merged).host(groups: ordered)
    }

    private static func refuseCycles(_ drafts: [String: GroupDraft], order: [String], file: String) throws {
        var finished: Set<String> = []
        func visit(_ name: String, path: [String]) throws {
            if let start = path.firstIndex(of: name) {
                let cycle = (path[start...] + [name]).joined(separator: " -> ")
                throw InventoryError(
                    "group children form a cycle (\(cycle)); a group cannot contain itself", file: file)
            }
            guard !finished.contains(name) else { return }
            for child in drafts[name]!.children { try visit(child, path: path + [name]) }
            finished.insert(name)
        }
        for name in order { try visit(name, path: []) }
    }

    private static func depth(of name: String, in drafts: [String: GroupDraft], memo: inout [String: Int])
        -> Int
    {
        if let known = memo[name] { return known }
        let parents = drafts[name]!.parents
        let value = parents.isEmpty ? 0 : parents.map { depth(of: $0, in: drafts, memo: &memo) + 1 }.max()!
        memo[name] = value
        return value
    }

    /// `ansible_group_priority` per group (default 1, as in Ansible); it must be an integer.
    private static func priorities(_ drafts: [String: GroupDraft]) throws -> [String: Int] {
        try drafts.mapValues { draft in
            guard let variable = draft.vars["ansible_group_priority"] else { return 1 }
            guard let priority = variable.value.integerValue else {
                throw InventoryError(
                    "ansible_group_priority of group \(draft.name) must be an integer, not \"\(variable.value)\"",
                    at: variable.location)
            }
            return priority
        }
    }
}
