/// Collects groups, hosts and variables as a parser meets them, then resolves children,
/// `all`/`ungrouped`, precedence and the `ansible_*` connection variables into an `Inventory`.
/// Both parsers share it so INI and YAML inventories mean exactly the same thing.
struct InventoryBuilder {
    /// A variable with the line that set it, so a bad `ansible_port` can be pointed at.
    struct Variable {
        var value: InventoryValue
        var location: SourceLocation
    }

    struct GroupDraft {
        var name: String
        var hosts: [String] = []
        /// The same names as `hosts`, so adding a 10,000-host range stays linear.
        var hostSet: Set<String> = []
        var children: [String] = []
        var parents: [String] = []
        var vars: [String: Variable] = [:]
    }

    let file: String
    private(set) var hostOrder: [String] = []
    private(set) var hostVars: [String: [String: Variable]] = [:]
    private(set) var groupOrder: [String] = []
    private(set) var groups: [String: GroupDraft] = [:]

    init(file: String) {
        self.file = file
        declareGroup("all")
        declareGroup("ungrouped")
    }

    /// Makes sure a group exists (idempotent).
    mutating func declareGroup(_ name: String) {
        guard groups[name] == nil else { return }
        groups[name] = GroupDraft(name: name)
        groupOrder.append(name)
    }

    /// Checks a group name can be declared and later matched by `--limit` unambiguously.
    func validateGroupName(_ name: String, at location: SourceLocation) throws {
        let forbidden: Set<Character> = [":", ",", "[", "]", "!", "&", "~", "*", "?", "=", "#", ";"]
        if name.isEmpty || name.contains(where: { $0.isWhitespace || forbidden.contains($0) }) {
            throw InventoryError(
                "invalid group name \"\(name)\"; use letters, digits, '_', '-' and '.' only",
                at: location)
        }
    }

    /// Adds the hosts of one inventory line (see `addHost`); refuses to grow the inventory past
    /// `HostExpression.maximumNames` hosts, so many large ranges cannot fill memory either.
    mutating func addHosts(
        _ names: [String], group: String?, vars: [(key: String, variable: Variable)], at location: SourceLocation
    ) throws {
        for name in names { addHost(name, group: group, vars: vars) }
        guard hostOrder.count <= HostExpression.maximumNames else {
            throw InventoryError(
                "the inventory names more than \(HostExpression.maximumNames) hosts, the most one inventory "
                    + "may hold; split the fleet into several inventories", at: location)
        }
    }

    /// Adds a host (once) and, when given, puts it in a group; variables merge, later wins.
    private mutating func addHost(_ name: String, group: String?, vars: [(key: String, variable: Variable)]) {
        if hostVars[name] == nil {
            hostVars[name] = [:]
            hostOrder.append(name)
        }
        for (key, variable) in vars { hostVars[name]![key] = variable }
        if let group {
            declareGroup(group)
            if groups[group]!.hostSet.insert(name).inserted { groups[group]!.hosts.append(name) }
        }
    }

    /// Makes `child` a child group of `parent`.
    mutating func addChild(_ child: String, to parent: String) {
        declareGroup(parent)
        declareGroup(child)
        if !groups[parent]!.children.contains(child) { groups[parent]!.children.append(child) }
        if !groups[child]!.parents.contains(parent) { groups[child]!.parents.append(parent) }
    }

    /// Sets a group variable; a later assignment of the same name wins.
    mutating func setGroupVar(
        _ key: String, _ value: InventoryValue, group: String, at location: SourceLocation
    ) {
        declareGroup(group)
        groups[group]!.vars[key] = Variable(value: value, location: location)
    }
}
