import FleetInventory

/// One host as the inventory describes it: the `ansible_*` connection variables, all
/// optional except the inventory name.
struct SSHTarget: Sendable, Equatable {
    /// The inventory name (`web01`), used in every message.
    var name: String
    /// `ansible_host`: where to connect; the inventory name when nil.
    var address: String?
    /// `ansible_port`.
    var port: Int?
    /// `ansible_user`.
    var user: String?
    /// `ansible_ssh_private_key_file`.
    var identityFile: String?
    /// `ansible_become`: run remote commands through `sudo -n`.
    var become: Bool
    /// `ansible_become_user`: whom `sudo` switches to; root when nil.
    var becomeUser: String?
    /// `ProxyJump`/`ProxyCommand` from `ansible_ssh_common_args`/`ansible_ssh_extra_args`;
    /// beats `~/.ssh/config`'s, as ssh's command line does.
    var proxy: SSHProxy?

    /// Describes a host.
    init(
        name: String, address: String? = nil, port: Int? = nil, user: String? = nil,
        identityFile: String? = nil, become: Bool = false, becomeUser: String? = nil,
        proxy: SSHProxy? = nil
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.become = become
        self.becomeUser = becomeUser
        self.proxy = proxy
    }
}
