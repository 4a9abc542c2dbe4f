import Foundation

/// A parsed Ansible inventory (INI or YAML), ready for `--limit` and wave planning.
///
/// Variable precedence, lowest to highest, as Ansible applies it: `all`, then every other
/// group ordered by depth (a parent before its children), then by `ansible_group_priority`
/// (default 1), then by name; host variables last. So host > child group > parent group > all.
/// When a host is listed several times, later host variables override earlier ones.
public struct Inventory: Sendable {
    /// The file the inventory was read from.
    public let source: String
    /// Every host, in the order the file first mentions it. Selections keep this order, so the
    /// canary is always the first selected host in the file.
    public let hosts: [InventoryHost]
    /// Every group (`all` and `ungrouped` included), in the order the file first mentions it.
    public let groups: [InventoryGroup]
    /// Position of each host in `hosts`, so lookups by name stay cheap for large fleets.
    private let hostIndex: [String: Int]

    /// Assembles an inventory; parsers go through `InventoryBuilder` instead.
    public init(source: String, hosts: [InventoryHost], groups: [InventoryGroup]) {
        self.source = source
        self.hosts = hosts
        self.groups = groups
        self.hostIndex = Dictionary(
            hosts.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads an inventory file; the format comes from the extension (`.yml`, `.yaml`, `.json`
    /// are YAML, `.ini` is INI) or, for other names, from the content.
    public static func load(path: String) throws -> Inventory {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InventoryError(
                "cannot read the inventory (\(error.localizedDescription)); check the -i path", file: path)
        }
        return try parse(text, file: path)
    }

    /// Parses inventory text; `file` names it in errors and selects the format like `load`.
    public static func parse(_ text: String, file: String) throws -> Inventory {
        switch InventoryFormat.detect(file: file, text: text) {
        case .ini: return try IniInventoryParser(file: file).parse(text)
        case .yaml: return try YamlInventoryParser(file: file).parse(text)
        }
    }

    /// The host with this inventory name.
    public func host(named name: String) -> InventoryHost? {
        hostIndex[name].map { hosts[$0] }
    }

    /// The group with this name.
    public func group(named name: String) -> InventoryGroup? {
        groups.first { $0.name == name }
    }

    /// Hosts of the group and of all its descendants, in inventory order; empty when unknown.
    public func hosts(inGroup name: String) -> [InventoryHost] {
        hosts.filter { $0.groups.contains(name) }
    }
}
