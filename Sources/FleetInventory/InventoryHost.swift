/// One host of the fleet: how to reach it (its ``HostAddress``) and what else the inventory
/// says about it, after variable precedence has been applied (see `Inventory`).
public struct InventoryHost: Sendable, Hashable, CustomStringConvertible {
    /// How to reach the host: the one value the fleet and SSH carry from here on.
    public let reach: HostAddress
    /// Every variable of the host after precedence, `ansible_*` ones included, so the
    /// tolerated ones (`ansible_ssh_common_args`, `ansible_python_interpreter`, ...) are kept.
    public let vars: [String: InventoryValue]
    /// The groups the host belongs to, directly or through `children`, `all` included,
    /// in the order their variables were applied (lowest precedence first).
    public let groups: [String]

    /// A host with its connection settings already resolved.
    public init(
        name: String, address: String? = nil, port: UInt16? = nil, user: String? = nil,
        privateKeyFile: String? = nil, become: Bool = false, becomeUser: String? = nil,
        proxy: SSHProxy? = nil, vars: [String: InventoryValue] = [:], groups: [String] = ["all"]
    ) {
        reach = HostAddress(
            name: name, address: address, port: port, user: user, privateKeyFile: privateKeyFile,
            become: become, becomeUser: becomeUser, proxy: proxy)
        self.vars = vars
        self.groups = groups
    }

    /// The inventory name.
    public var description: String { reach.name }
}

// The connection facts read through to ``reach`` (what inventory tests and `--limit` look at).
extension InventoryHost {
    /// The inventory name (what `--limit` matches and reports print).
    public var name: String { reach.name }
    /// What to connect to: `ansible_host`, else the name.
    public var address: String { reach.address }
    /// `ansible_port`; nil means the SSH default or `~/.ssh/config`.
    public var port: UInt16? { reach.port }
    /// `ansible_user`; nil means the SSH default or `~/.ssh/config`.
    public var user: String? { reach.user }
    /// `ansible_ssh_private_key_file`.
    public var privateKeyFile: String? { reach.privateKeyFile }
    /// `ansible_become`.
    public var become: Bool { reach.become }
    /// `ansible_become_user`; nil means root.
    public var becomeUser: String? { reach.becomeUser }
    /// `ProxyJump`/`ProxyCommand` from the inventory's ssh arguments.
    public var proxy: SSHProxy? { reach.proxy }
}
