import FleetInventory

/// How to reach one host: the jump hosts to go through first (each a full endpoint, checked
/// and logged into like any host), then the host itself.
///
/// Which `ProxyJump` applies follows OpenSSH and Ansible: the inventory's
/// `ansible_ssh_common_args`/`ansible_ssh_extra_args` are on ssh's command line, so they beat
/// `~/.ssh/config`; `ProxyJump none` in either turns a jump off. Each hop is resolved against
/// `~/.ssh/config` like a host given to ssh with `-l`/`-p` (its `HostName`, `Port`, `User`,
/// `IdentityFile` apply where the hop does not say). A hop's own `ProxyJump` in the config is
/// not followed (the route is exactly the hops written). `ProxyCommand` is refused by name.
struct SSHRoute: Sendable, Equatable {
    /// The jump hosts, first to last; empty for a direct connection.
    let jumps: [SSHEndpoint]
    /// The host itself, named and checked as the last jump host sees it.
    let endpoint: SSHEndpoint

    /// Builds a route directly.
    init(jumps: [SSHEndpoint], endpoint: SSHEndpoint) {
        self.jumps = jumps
        self.endpoint = endpoint
    }

    /// Why a host's route cannot be used.
    struct Unsupported: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong and what to write instead.
        let message: String

        var description: String { message }
    }

    /// The route to `target` under `config` (see the type's documentation for precedence).
    static func resolve(
        _ target: HostAddress, config: SSHConfig, localUser: String, home: String,
        defaultIdentityFiles: [String]
    ) throws(Unsupported) -> SSHRoute {
        let endpoint = SSHEndpoint.resolve(
            target, config: config, localUser: localUser, home: home,
            defaultIdentityFiles: defaultIdentityFiles)
        let fromInventory = target.proxy != nil
        let proxy = target.proxy ?? config.settings(for: target.address).proxy
        let origin = fromInventory ? "the inventory's ssh arguments" : "~/.ssh/config"
        switch proxy {
        case nil:
            return SSHRoute(jumps: [], endpoint: endpoint)
        case .command(let command):
            throw Unsupported(
                message:
                    "ProxyCommand \"\(command)\" (from \(origin)) is not supported by hotpatch; use ProxyJump (-o ProxyJump=user@bastion:port) instead"
            )
        case .jump(let spec):
            let jump: ProxyJump
            do { jump = try ProxyJump(parsing: spec) } catch {
                throw Unsupported(message: "\(error) (from \(origin))")
            }
            let jumps = jump.hops.map { hop in
                SSHEndpoint.resolve(
                    HostAddress(name: hop.host, port: hop.port.map { UInt16($0) }, user: hop.user), config: config,
                    localUser: localUser, home: home, defaultIdentityFiles: defaultIdentityFiles)
            }
            return SSHRoute(jumps: jumps, endpoint: endpoint)
        }
    }
}

extension SSHEndpoint {
    /// `user@host:port`, how messages name a jump host.
    var hopLabel: String { "\(user)@\(hostName):\(port)" }
}
