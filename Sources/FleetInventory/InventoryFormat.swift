import Foundation

/// The two inventory syntaxes Ansible users have.
public enum InventoryFormat: Sendable {
    /// `[group]` sections with `host key=value` lines.
    case ini
    /// `all: {hosts, children, vars}` mappings.
    case yaml

    /// Chooses by extension first; otherwise a first meaningful line that is a YAML mapping
    /// key (`all:`), a document marker or a JSON brace means YAML, anything else INI.
    public static func detect(file: String, text: String) -> InventoryFormat {
        let lowered = file.lowercased()
        if [".yml", ".yaml", ".json"].contains(where: lowered.hasSuffix) { return .yaml }
        if lowered.hasSuffix(".ini") { return .ini }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("---") || line.hasPrefix("{") { return .yaml }
            if line.hasSuffix(":") && !line.hasPrefix("[") { return .yaml }
            return .ini
        }
        return .ini
    }
}
