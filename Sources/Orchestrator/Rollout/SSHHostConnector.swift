import Foundation

/// The real way to reach hosts: an ``SSHSession`` per step, with the run's known_hosts,
/// timeouts and `~/.ssh/config`.
struct SSHHostConnector: HostConnector {
    /// Host key policy, timeouts, identities.
    let options: SSHOptions
    /// The user's `~/.ssh/config` (empty when there is none).
    let config: SSHConfig

    /// A connector for the settings recorded in a rollout (so `resume` connects the same way).
    init(settings: RolloutSettings) {
        var options = SSHOptions(
            knownHostsFile: settings.knownHostsFile,
            unknownHosts: settings.acceptNewHostKeys ? .acceptNew : .refuse,
            connectTimeout: .milliseconds(Int64(settings.connectTimeoutSeconds * 1000)),
            loginTimeout: .milliseconds(Int64(max(settings.connectTimeoutSeconds, 10) * 3000)))
        if let folder = settings.remoteDirectory {
            // A folder the user named is used or refused, never swapped for another.
            options.remoteDirectory = folder
            options.remoteDirectoryFallbacks = []
        }
        self.options = options
        let path = SSHOptions.home + "/.ssh/config"
        config = (try? SSHConfig.load(path)) ?? SSHConfig(text: "")
    }

    func connect(to host: RolloutHost) throws(HostConnectionError) -> any HostConnection {
        let target = SSHTarget(
            name: host.name, address: host.address, port: host.port, user: host.user,
            identityFile: host.privateKeyFile, become: host.become, becomeUser: host.becomeUser)
        return try SSHSession(target: target, config: config, options: options)
    }
}
