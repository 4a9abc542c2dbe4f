import Foundation

/// How sessions verify hosts, authenticate and time out: the same for every host of a run.
package struct SSHOptions: Sendable {
    /// What to do with a host that known_hosts does not know.
    package enum UnknownHostPolicy: Sendable {
        /// Refuse, printing the fingerprint and the command that trusts it (the default).
        case refuse
        /// Record the key in the known_hosts file and go on (`--accept-new`); a changed key is
        /// still refused.
        case acceptNew
    }

    /// The known_hosts file to check (and append to with `acceptNew`).
    var knownHostsFile: String
    /// Unknown hosts: refuse or record.
    var unknownHosts: UnknownHostPolicy
    /// Longest a TCP connect may take.
    var connectTimeout: Duration
    /// Longest the handshake, host key check and authentication may take together.
    var loginTimeout: Duration
    /// Whole-host budget from the start of `connect`: no operation on the session runs past it.
    var hostTimeout: Duration?
    /// Seconds between keepalives on an idle session (0: none), so NATs and firewalls do not
    /// drop a connection waiting on a long command, and a dead peer is noticed.
    var keepaliveInterval: Int
    /// The ssh-agent socket; nil disables the agent. Defaults to `SSH_AUTH_SOCK`.
    var agentSocket: String?
    /// Private keys tried after the inventory's and the config's, in order.
    var defaultIdentityFiles: [String]
    /// The remote upload folder; `%u` is the login user. Created 0700, owner checked.
    package var remoteDirectory: String
    /// Folders tried when ``remoteDirectory`` cannot be made or its mount is `noexec`, in order
    /// (`~/` is the login's home, `%u` the login user). Empty when the user named the folder.
    package var remoteDirectoryFallbacks: [String]

    /// The fallbacks when the folder is the default one.
    static let defaultFallbacks = ["~/.cache/hotpatch", "/var/lib/hotpatch/upload-%u"]

    /// The defaults for a user's own machine: `~/.ssh/known_hosts`, refuse unknown hosts,
    /// 10 s connect, 30 s login, 15 s keepalive, the agent from `SSH_AUTH_SOCK`,
    /// `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`, and `/var/tmp/hotpatch-%u`.
    package init(
        knownHostsFile: String? = nil, unknownHosts: UnknownHostPolicy = .refuse,
        connectTimeout: Duration = .seconds(10), loginTimeout: Duration = .seconds(30),
        hostTimeout: Duration? = nil, keepaliveInterval: Int = 15,
        agentSocket: String? = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"],
        defaultIdentityFiles: [String]? = nil, remoteDirectory: String = "/var/tmp/hotpatch-%u",
        remoteDirectoryFallbacks: [String] = SSHOptions.defaultFallbacks
    ) {
        let home = SSHOptions.home
        self.knownHostsFile = knownHostsFile ?? home + "/.ssh/known_hosts"
        self.unknownHosts = unknownHosts
        self.connectTimeout = connectTimeout
        self.loginTimeout = loginTimeout
        self.hostTimeout = hostTimeout
        self.keepaliveInterval = keepaliveInterval
        self.agentSocket = agentSocket
        self.defaultIdentityFiles =
            defaultIdentityFiles ?? ["id_ed25519", "id_ecdsa", "id_rsa"].map { home + "/.ssh/" + $0 }
        self.remoteDirectory = remoteDirectory
        self.remoteDirectoryFallbacks = remoteDirectoryFallbacks
    }

    /// The local home folder (`HOME`, else the account database's).
    static var home: String {
        ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
    }

    /// The local user name, the default remote user.
    static var localUser: String {
        ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
    }
}
