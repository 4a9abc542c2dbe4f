import Yams

/// Ansible's YAML inventory: top-level groups (usually `all`), each a mapping with `hosts`,
/// `children` and `vars` (any of them may be null or absent); hosts map to their variables
/// or to null. Keys Ansible would skip with a warning are errors here, with their line.
struct YamlInventoryParser {
    let file: String

    func parse(_ text: String) throws -> Inventory {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw InventoryError("is not valid YAML: \(error)", file: file)
        }
        guard let root, case .mapping(let groups) = root else {
            if root == nil {
                throw InventoryError("is empty; an inventory needs at least `all:`", file: file)
            }
            throw InventoryError(
                "the top level must be a mapping of group names (usually `all:`)", at: location(of: root!))
        }
        var builder = InventoryBuilder(file: file)
        for (key, value) in groups {
            let name = try self.name(of: key)
            if name == "plugin" {
                throw InventoryError(
                    "inventory plugins are not supported; export a static inventory (ansible-inventory --list -y)",
                    at: location(of: key))
            }
            try group(name, value, at: key, into: &builder)
        }
        return try builder.build()
    }

    /// One group: `hosts`, `children` (recursively) and `vars`.
    private func group(_ name: String, _ node: Node?, at keyNode: Node, into builder: inout InventoryBuilder)
        throws
    {
        try builder.validateGroupName(name, at: location(of: keyNode))
        builder.declareGroup(name)
        guard let body = try mapping(node, what: "group \(name)") else { return }
        for (key, value) in body {
            switch try self.name(of: key) {
            case "hosts":
                for (hostKey, hostVars) in try sectionEntries(value, what: "hosts of group \(name)") {
                    try host(hostKey, hostVars, group: name, into: &builder)
                }
            case "children":
                for (childKey, childBody) in try sectionEntries(value, what: "children of group \(name)") {
                    let child = try self.name(of: childKey)
                    try group(child, childBody, at: childKey, into: &builder)
                    builder.addChild(child, to: name)
                }
            case "vars":
                for (varKey, varValue) in try mapping(value, what: "vars of group \(name)") ?? [] {
                    builder.setGroupVar(
                        try self.name(of: varKey), convert(varValue), group: name, at: location(of: varKey))
                }
            case let other:
                throw InventoryError(
                    "unexpected key \"\(other)\" in group \(name); only hosts, children and vars are valid "
                        + "(a child group goes under children:)", at: location(of: key))
            }
        }
    }

    private func host(_ key: Node, _ varsNode: Node?, group: String, into builder: inout InventoryBuilder)
        throws
    {
        let text = try name(of: key)
        let expression: HostExpression
        do { expression = try HostExpression(text) } catch {
            throw InventoryError(error.message, at: location(of: key))
        }
        var vars: [(key: String, variable: InventoryBuilder.Variable)] = []
        if let port = expression.port {
            vars.append(("ansible_port", .init(value: .integer(Int(port)), location: location(of: key))))
        }
        for (varKey, varValue) in try mapping(varsNode, what: "host \(text)") ?? [] {
            vars.append(
                (try name(of: varKey), .init(value: convert(varValue), location: location(of: varKey))))
        }
        try builder.addHosts(expression.names, group: group, vars: vars, at: location(of: key))
    }

    /// `hosts:`/`children:` are mappings, null, or (as Ansible allows) a single name; a nil
    /// value is a null body.
    private func sectionEntries(_ node: Node, what: String) throws -> [(Node, Node?)] {
        if case .scalar = node, tagName(node) == .str { return [(node, nil)] }
        return try mapping(node, what: what)?.map { ($0.key, $0.value) } ?? []
    }

    /// A mapping's pairs, nil for null; anything else is an error naming what was expected.
    private func mapping(_ node: Node?, what: String) throws -> [(key: Node, value: Node)]? {
        guard let node else { return nil }
        switch node {
        case .mapping(let pairs): return Array(pairs)
        case .scalar where tagName(node) == .null: return nil
        default:
            throw InventoryError(
                "\(what) must be a mapping (key: value lines) or empty", at: location(of: node))
        }
    }

    private func name(of key: Node) throws -> String {
        guard case .scalar(let scalar) = key, !scalar.string.isEmpty else {
            throw InventoryError("expected a name here, found \(key)", at: location(of: key))
        }
        return scalar.string
    }

    private func convert(_ node: Node) -> InventoryValue {
        switch node {
        case .scalar(let scalar):
            switch tagName(node) {
            case .null: return .null
            case .bool: return node.bool.map(InventoryValue.boolean) ?? .string(scalar.string)
            case .int: return node.int.map(InventoryValue.integer) ?? .string(scalar.string)
            case .float: return node.float.map(InventoryValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let items): return .list(items.map(convert))
        case .mapping(let pairs):
            return .mapping(pairs.map { (key: $0.key.string ?? "\($0.key)", value: convert($0.value)) })
        case .alias: return .null  // compose() already replaced every alias with its anchored node
        }
    }

    /// Composed nodes always carry a mark; 0 would only show for a hand-built node.
    private func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0)
    }

    private func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }
}
