import FleetInventory
import Foundation

/// Where and as whom to connect, after merging the inventory with `~/.ssh/config`.
///
/// Precedence, per setting: the inventory's `ansible_port`/`ansible_user`/key file, then the
/// first matching `~/.ssh/config` value, then the default (port 22, the local user). This is
/// what Ansible does, because it passes its variables to `ssh` explicitly (`-p`, `-l`, `-i`),
/// and explicit flags beat the config file. Config `Host` patterns match `ansible_host` when
/// set, else the inventory name, because that is the name Ansible hands to `ssh`; a config
/// `HostName` for that name therefore still applies. Keys are tried in this order: the
/// inventory's key, then the config's `IdentityFile`s, then the defaults.
package struct SSHEndpoint: Sendable, Equatable {
    /// The inventory name.
    let name: String
    /// The host name or address the TCP connection goes to (and known_hosts is checked for).
    let hostName: String
    /// The TCP port.
    let port: Int
    /// The remote login user.
    let user: String
    /// Private key files to try after the agent, in order, with `~` and tokens expanded.
    let identityFiles: [String]

    /// Builds an endpoint directly (tests, or callers that resolved it themselves).
    package init(name: String, hostName: String, port: Int, user: String, identityFiles: [String]) {
        self.name = name
        self.hostName = hostName
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
    }

    /// `name (user@host:port)`, the label every message about this host carries.
    var label: String { "\(name) (\(user)@\(hostName):\(port))" }

    /// Merges `target` with `config` (see the type's documentation for the precedence).
    /// `defaultIdentityFiles` are typically `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    static func resolve(
        _ target: HostAddress, config: SSHConfig, localUser: String, home: String,
        defaultIdentityFiles: [String]
    ) -> SSHEndpoint {
        let alias = target.address
        let settings = config.settings(for: alias)
        // Ansible hands ansible_host to ssh as the host name, and ssh still applies the
        // config's HostName to it; doing the same keeps existing setups connecting the same way.
        let hostName = settings.hostName.map { expandHostName($0, alias: alias) } ?? alias
        let port = target.port.map(Int.init) ?? settings.port ?? 22
        let user = target.user ?? settings.user ?? localUser
        let tokens = Tokens(host: hostName, port: port, remoteUser: user, localUser: localUser, home: home)
        var files: [String] = []
        for file in [target.privateKeyFile].compactMap({ $0 }) + settings.identityFiles + defaultIdentityFiles {
            let expanded = tokens.expand(file)
            if !files.contains(expanded) { files.append(expanded) }
        }
        return SSHEndpoint(
            name: target.name, hostName: hostName, port: port, user: user, identityFiles: files)
    }

    /// `HostName` may use `%h` for the name it was matched as (`HostName %h.example.com`).
    private static func expandHostName(_ value: String, alias: String) -> String {
        value.replacingOccurrences(of: "%%", with: "\u{0}").replacingOccurrences(of: "%h", with: alias)
            .replacingOccurrences(of: "\u{0}", with: "%")
    }

    /// OpenSSH's tokens for `IdentityFile`: `%h` host, `%p` port, `%r` remote user, `%u` local
    /// user, `%d` local home, `%%` a percent sign; a leading `~/` is the local home.
    struct Tokens {
        let host: String
        let port: Int
        let remoteUser: String
        let localUser: String
        let home: String

        func expand(_ value: String) -> String {
            var path = value
            if path == "~" { path = home } else if path.hasPrefix("~/") { path = home + path.dropFirst(1) }
            var result = ""
            var characters = path.makeIterator()
            while let character = characters.next() {
                guard character == "%", let token = characters.next() else {
                    result.append(character)
                    continue
                }
                switch token {
                case "h": result += host
                case "p": result += String(port)
                case "r": result += remoteUser
                case "u": result += localUser
                case "d": result += home
                case "%": result += "%"
                default: result += "%\(token)"
                }
            }
            return result
        }
    }
}
