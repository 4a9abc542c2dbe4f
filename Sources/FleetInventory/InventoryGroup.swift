/// A group as the inventory declared it (before precedence is applied to hosts).
public struct InventoryGroup: Sendable, Hashable {
    /// The group name (`all` and `ungrouped` always exist).
    public let name: String
    /// Hosts listed directly in the group, in inventory order.
    public let hosts: [String]
    /// Child groups (`[name:children]` / `children:`), in inventory order.
    public let children: [String]
    /// The group's own variables (`[name:vars]` / `vars:`).
    public let vars: [String: InventoryValue]
    /// Distance from `all` along the longest `children` path; deeper groups win precedence.
    public let depth: Int
}
