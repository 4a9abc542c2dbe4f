import SSH

extension SSHHostConnector {
    /// A connector for the settings recorded in a rollout (so `resume` connects the same way).
    package init(settings: RolloutSettings) {
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
        self.init(options: options)
    }
}
