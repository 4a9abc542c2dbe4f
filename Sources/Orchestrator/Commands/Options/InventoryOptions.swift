import ArgumentParser

/// `-i INVENTORY [--limit PATTERN]`: which hosts a command works on.
struct InventoryOptions: ParsableArguments {
    /// The Ansible inventory (INI or YAML).
    @Option(name: [.customShort("i"), .long], help: "Ansible inventory file (INI or YAML).")
    var inventory: String

    /// An Ansible host pattern narrowing the inventory.
    @Option(help: "Only hosts matching this Ansible pattern (names, globs, groups, !exclude, &intersect).")
    var limit: String?
}
