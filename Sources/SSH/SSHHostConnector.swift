import FleetInventory
import Foundation

/// The real way to reach hosts: an ``SSHSession`` per step, with the run's known_hosts,
/// timeouts and `~/.ssh/config`; hosts behind a `ProxyJump` go through the run's shared
/// bastion connections (one login per bastion for the whole run).
package struct SSHHostConnector: HostConnector {
    /// Host key policy, timeouts, identities.
    let options: SSHOptions
    /// The user's `~/.ssh/config` (empty when there is none).
    let config: SSHConfig
    /// The bastion connections of this run, shared by every host behind them.
    let bastions: BastionRegistry

    /// A connector with these SSH settings and the user's `~/.ssh/config` (empty when there
    /// is none).
    package init(options: SSHOptions) {
        self.options = options
        let path = SSHOptions.home + "/.ssh/config"
        config = (try? SSHConfig.load(path)) ?? SSHConfig(text: "")
        bastions = BastionRegistry(options: options)
    }

    package func connect(to host: HostAddress) throws(HostConnectionError) -> any HostConnection {
        let route: SSHRoute
        do {
            route = try SSHRoute.resolve(
                host, config: config, localUser: SSHOptions.localUser, home: SSHOptions.home,
                defaultIdentityFiles: options.defaultIdentityFiles)
        } catch {
            throw HostConnectionError(
                host: host.name, phase: .connect, message: error.message,
                nextStep:
                    "set ProxyJump (ansible_ssh_common_args='-o ProxyJump=user@bastion') or remove the proxy setting"
            )
        }
        guard !route.jumps.isEmpty else { return try SSHSession(endpoint: route.endpoint, options: options) }
        // Every hop's host key and login are checked as for any host; the lease is the
        // session's from here on, and its close gives it back.
        let lease: BastionLease
        do {
            lease = try bastions.lease(route.jumps)
        } catch {
            throw BastionFailure.restated(error, for: route.endpoint.label, hop: route.jumps.last!.hopLabel)
        }
        return try SSHSession(endpoint: route.endpoint, options: options, through: lease)
    }
}
