/// How to reach one host: the inventory's connection facts after variable precedence. The one
/// value that travels from the inventory through the rollout journal to the SSH socket
/// (`InventoryHost` wraps it; the fleet records it so `resume` reaches the same hosts even if
/// the inventory changed; SSH resolves it against `~/.ssh/config`).
public struct HostAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The inventory name (what `--limit` matches and every message prints).
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
    /// (`-o ProxyJump=...`, `-J ...`); nil when they set none (then `~/.ssh/config`'s applies).
    /// Absent in journals written before bastions were supported (decodes as nil).
    public let proxy: SSHProxy?

    /// A host's connection settings; `address` defaults to the name.
    public init(
        name: String, address: String? = nil, port: UInt16? = nil, user: String? = nil,
        privateKeyFile: String? = nil, become: Bool = false, becomeUser: String? = nil,
        proxy: SSHProxy? = nil
    ) {
        self.name = name
        self.address = address ?? name
        self.port = port
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.become = become
        self.becomeUser = becomeUser
        self.proxy = proxy
    }

    /// The inventory name.
    public var description: String { name }
}
