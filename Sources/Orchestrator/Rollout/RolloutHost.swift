import FleetInventory

/// One host as the engine reaches it: the inventory's connection facts, resolved once and
/// recorded in the journal so `resume` reaches the same hosts even if the inventory changed.
struct RolloutHost: Hashable, Sendable, Codable {
    /// The inventory name (what reports and `--limit` use).
    let name: String
    /// Where to connect (`ansible_host`, else the name).
    let address: String
    /// The SSH port (`ansible_port`); nil for `~/.ssh/config` or 22.
    let port: Int?
    /// The login user (`ansible_user`), nil for the SSH default.
    let user: String?
    /// `ansible_ssh_private_key_file`, nil when not set.
    let privateKeyFile: String?
    /// `ansible_become`: run the agent through `sudo -n`.
    let become: Bool
    /// `ansible_become_user`, nil for root.
    let becomeUser: String?
    /// `ProxyJump`/`ProxyCommand` from the inventory's ssh arguments; nil for `~/.ssh/config`'s
    /// or none. Absent in journals written before bastions were supported (decodes as nil).
    var proxy: SSHProxy? = nil
}
