import FleetInventory

extension SSHTarget {
    /// The connection settings of an inventory host (after Ansible's variable precedence).
    init(_ host: InventoryHost) {
        self.init(
            name: host.name, address: host.address, port: host.port.map(Int.init), user: host.user,
            identityFile: host.privateKeyFile, become: host.become, becomeUser: host.becomeUser,
            proxy: host.proxy)
    }
}
