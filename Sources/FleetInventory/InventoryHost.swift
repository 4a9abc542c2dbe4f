/// One host of the fleet with everything needed to reach it, after variable precedence has
/// been applied (see `Inventory`).
public struct InventoryHost: Sendable, Hashable, CustomStringConvertible {
    /// The inventory name (what `--limit` matches and reports print).
    public let name: String
    /// What to connect to: `ansible_host`, else the name.
    public let address: String
    /// `ansible_port` (or the `host:port` form); nil means the SSH default or `~/.ssh/config`.
    public let port: UInt16?
    /// `ansible_user`; nil means the SSH default or `~/.ssh/config`.
    public let user: String?
    /// `ansible_ssh_private_key_file` (or its newer spelling `ansible_private_key_file`).
    public let privateKeyFile: String?
    /// `ansible_become`: run the agent through `sudo -n`.
    public let become: Bool
    /// `ansible_become_user`; nil means root.
    public let becomeUser: String?
    /// `ProxyJump`/`ProxyCommand` from `ansible_ssh_common_args` / `ansible_ssh_extra_args`
    /// (`-o ProxyJump=...`, `-J ...`); nil when they set none.
    public let proxy: SSHProxy?
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
        self.name = name
        self.address = address ?? name
        self.port = port
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.become = become
        self.becomeUser = becomeUser
        self.proxy = proxy
        self.vars = vars
        self.groups = groups
    }

    /// The inventory name.
    public var description: String { name }
}
