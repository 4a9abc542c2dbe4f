import Foundation
import TestSupport

import SSH

/// How the SSH tests connect to an `SSHServerFixture`: never the user's own ~/.ssh (no default
/// keys, no agent unless asked), a known_hosts file inside the fixture, uploads inside it too.
extension SSHServerFixture {
    /// Options for this fixture; `knownHosts` nil means a file trusting this server.
    package func options(
        knownHosts: String? = nil, acceptNew: Bool = false, agent: String? = nil,
        connectTimeout: Duration = .seconds(10)
    ) throws -> SSHOptions {
        let file = try knownHosts ?? writeKnownHosts(["\(knownHostsName) \(hostKeyLine)"])
        return SSHOptions(
            knownHostsFile: file, unknownHosts: acceptNew ? .acceptNew : .refuse,
            connectTimeout: connectTimeout,
            loginTimeout: .seconds(30), agentSocket: agent, defaultIdentityFiles: [],
            remoteDirectory: directory + "/upload-%u", remoteDirectoryFallbacks: [])
    }

    /// This server as an endpoint, logging in with `keys` (the authorized client key by default).
    package func endpoint(keys: [String]? = nil) -> SSHEndpoint {
        SSHEndpoint(
            name: "fixture", hostName: address, port: port, user: user, identityFiles: keys ?? [clientKey])
    }

    /// A connected session with the defaults above.
    package func session(knownHosts: String? = nil, acceptNew: Bool = false) throws -> SSHSession {
        try SSHSession(endpoint: endpoint(), options: options(knownHosts: knownHosts, acceptNew: acceptNew))
    }
}

/// Catches the typed connection error of `body`, or fails the caller by returning nil.
package func connectionError(_ body: () throws -> Void) -> HostConnectionError? {
    do {
        try body()
        return nil
    } catch let error as HostConnectionError {
        return error
    } catch {
        return HostConnectionError(
            host: "?", phase: .exec, message: "unexpected error \(error)", nextStep: "")
    }
}
