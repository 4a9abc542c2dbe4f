import Foundation

/// Ansible's INI inventory: `[group]` host lines with inline `key=value` variables,
/// `[group:vars]` and `[group:children]` sections, hosts before any section are `ungrouped`,
/// `#` and `;` comment lines. Any line it does not understand is an error with its line.
struct IniInventoryParser {
    let file: String

    private enum Section {
        case hosts(String)
        case vars(String)
        case children(String)
    }

    func parse(_ text: String) throws -> Inventory {
        var builder = InventoryBuilder(file: file)
        var section = Section.hosts("ungrouped")
        // Groups used by [x:vars] or as children before they are declared; must be declared
        // somewhere in the file, or it was a typo (Ansible refuses them the same way).
        var pending: [String: (location: SourceLocation, why: String)] = [:]
        var declared: Set<String> = ["all", "ungrouped"]

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = SourceLocation(file: file, line: offset + 1)
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = try header(line, at: location)
                switch section {
                case .hosts(let group), .children(let group):
                    try builder.validateGroupName(group, at: location)
                    builder.declareGroup(group)
                    declared.insert(group)
                    pending[group] = nil
                case .vars(let group):
                    try builder.validateGroupName(group, at: location)
                    if !declared.contains(group) && pending[group] == nil {
                        pending[group] = (
                            location, "section [\(group):vars] is for a group that is never declared"
                        )
                    }
                }
                continue
            }
            switch section {
            case .hosts(let group):
                try hostLine(line, group: group, into: &builder, at: location)
            case .vars(let group):
                let (key, value) = try variable(line, at: location)
                builder.setGroupVar(key, value, group: group, at: location)
            case .children(let parent):
                let child = try childName(line, at: location)
                try builder.validateGroupName(child, at: location)
                builder.addChild(child, to: parent)
                if !declared.contains(child) && pending[child] == nil {
                    pending[child] = (
                        location, "[\(parent):children] lists group \(child), which is never declared"
                    )
                }
            }
        }
        if let (group, problem) = pending.min(by: { $0.value.location.line < $1.value.location.line }) {
            throw InventoryError(
                "\(problem.why); add a [\(group)] section (it may be empty) or fix the name",
                at: problem.location)
        }
        return try builder.build()
    }

    /// `[name]`, `[name:vars]` or `[name:children]`, optionally followed by a comment.
    private func header(_ line: String, at location: SourceLocation) throws -> Section {
        var body = Substring(line)
        if let comment = body.firstIndex(where: { $0 == "#" || $0 == ";" }) { body = body[..<comment] }
        body = body.drop(while: \.isWhitespace)
        while body.last?.isWhitespace == true { body = body.dropLast() }
        guard body.hasPrefix("["), body.hasSuffix("]"), body.count > 2 else {
            throw InventoryError(
                "invalid section header \"\(line)\"; write [group], [group:vars] or [group:children] without spaces",
                at: location)
        }
        let parts = body.dropFirst().dropLast().split(separator: ":", omittingEmptySubsequences: false)
        let name = String(parts[0])
        switch parts.count == 1 ? nil : parts.count == 2 ? String(parts[1]) : "" {
        case nil: return .hosts(name)
        case "vars": return .vars(name)
        case "children": return .children(name)
        case let kind?:
            throw InventoryError(
                "section \"\(line)\" has unknown type \"\(kind)\"; only :vars and :children exist",
                at: location)
        }
    }

    /// `host[ranges][:port] key=value key="quoted value" # comment`.
    private func hostLine(
        _ line: String, group: String, into builder: inout InventoryBuilder, at location: SourceLocation
    ) throws {
        let tokens: [String]
        do { tokens = try ShellWords.split(line) } catch { throw InventoryError(error.message, at: location) }
        guard let first = tokens.first else { return }  // only a comment after whitespace
        let expression: HostExpression
        do { expression = try HostExpression(first) } catch {
            throw InventoryError(error.message, at: location)
        }
        var vars: [(key: String, variable: InventoryBuilder.Variable)] = []
        if let port = expression.port {
            vars.append(("ansible_port", .init(value: .integer(Int(port)), location: location)))
        }
        for token in tokens.dropFirst() {
            guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
                throw InventoryError(
                    "expected key=value after host \(first), got \"\(token)\"; quote values with spaces",
                    at: location)
            }
            let value = String(token[token.index(after: equals)...])
            vars.append(
                (
                    String(token[..<equals]),
                    .init(value: IniLiteral.value(value, quoted: false), location: location)
                ))
        }
        try builder.addHosts(expression.names, group: group, vars: vars, at: location)
    }

    /// `key=value` in a `[group:vars]` section; the value is everything after the first `=`.
    private func variable(_ line: String, at location: SourceLocation) throws -> (String, InventoryValue) {
        guard let equals = line.firstIndex(of: "=") else {
            throw InventoryError("expected key=value in a :vars section, got \"\(line)\"", at: location)
        }
        let key = line[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
            throw InventoryError("invalid variable name \"\(key)\" in \"\(line)\"", at: location)
        }
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        return (key, IniLiteral.value(value, quoted: true))
    }

    /// One group name per line in a `:children` section, optionally followed by a comment.
    private func childName(_ line: String, at location: SourceLocation) throws -> String {
        var body = Substring(line)
        if let comment = body.firstIndex(where: { $0 == "#" || $0 == ";" }) { body = body[..<comment] }
        let words = body.split(whereSeparator: \.isWhitespace)
        guard words.count == 1 else {
            throw InventoryError(
                "expected one group name per line in a :children section, got \"\(line)\"", at: location)
        }
        return String(words[0])
    }
}
