import Foundation

extension SSHSession {
    /// Why libssh2 1.10 fails with RSA keys against OpenSSH 8.8 and later.
    static let rsaExplanation =
        "Debian's libssh2 1.10 cannot make RSA-SHA2 signatures and the server refuses SHA-1 (ssh-rsa); use an ed25519 key"

    /// Public key authentication, in order: every ssh-agent key, then each key file (the
    /// inventory's, the config's, the defaults). Each failure is kept, so the final error
    /// explains every attempt.
    func authenticate(until deadline: ContinuousClock.Instant) throws(HostConnectionError) {
        guard let session = handle else { return }
        let user = endpoint.user
        var methods: String?
        var listed = false
        while !listed {
            methods = LibSSH2.authMethods(session, user: user)
            listed = methods != nil || LibSSH2.lastErrorNumber(session) != LibSSH2.again
            if !listed {
                try waitForSocket(.auth, until: deadline, doing: "asking which logins the server allows")
            }
        }
        if methods == nil, LibSSH2.isAuthenticated(session) {
            authenticatedWith = "none (the server asked for no credentials)"
            return
        }
        guard let methods, methods.split(separator: ",").contains("publickey") else {
            throw failure(
                .auth, "the server does not allow key login for \(user) (it offers: \(methods ?? "nothing"))",
                next: "enable PubkeyAuthentication in the host's sshd_config")
        }
        var attempts: [String] = []
        if try authenticateWithAgent(session, deadline: deadline, attempts: &attempts) { return }
        if try authenticateWithKeyFiles(session, deadline: deadline, attempts: &attempts) { return }
        let tried = attempts.isEmpty ? "no ssh-agent and no key file found" : attempts.joined(separator: "; ")
        throw failure(
            .auth, "no key was accepted for \(user): \(tried)",
            next:
                "put one of your keys in ~\(user)/.ssh/authorized_keys on the host, load it into ssh-agent, or set ansible_ssh_private_key_file"
        )
    }

    private func authenticateWithAgent(
        _ session: OpaquePointer, deadline: ContinuousClock.Instant, attempts: inout [String]
    ) throws(HostConnectionError) -> Bool {
        guard let socketPath = options.agentSocket, !socketPath.isEmpty else { return false }
        guard let agent = LibSSH2.agentInit(session) else {
            attempts.append("ssh-agent: libssh2 could not set up an agent client")
            return false
        }
        defer { LibSSH2.agentRelease(agent) }
        guard LibSSH2.agentConnect(agent, socketPath: socketPath) == 0 else {
            attempts.append("ssh-agent at \(socketPath): cannot connect (is it running?)")
            return false
        }
        guard let identities = LibSSH2.agentIdentities(agent) else {
            attempts.append("ssh-agent at \(socketPath): cannot list keys")
            return false
        }
        if identities.isEmpty { attempts.append("ssh-agent at \(socketPath): holds no keys") }
        for (identity, comment) in identities {
            let type = HostKey(blob: LibSSH2.agentKeyBlob(identity)).type
            let rc = try retry(.auth, until: deadline, doing: "ssh-agent login") {
                LibSSH2.agentAuthenticate(agent, user: endpoint.user, identity: identity)
            }
            if rc == 0 {
                authenticatedWith = "ssh-agent key \(comment) (\(type))"
                return true
            }
            attempts.append(
                "ssh-agent key \(comment) (\(type)) " + refusal(rc, isRSA: type == "ssh-rsa", session))
        }
        return false
    }

    private func authenticateWithKeyFiles(
        _ session: OpaquePointer, deadline: ContinuousClock.Instant, attempts: inout [String]
    ) throws(HostConnectionError) -> Bool {
        let fileManager = FileManager.default
        for path in endpoint.identityFiles {
            guard fileManager.fileExists(atPath: path) else {
                // The usual ~/.ssh/id_* are only candidates; a key the user named must exist.
                if !options.defaultIdentityFiles.contains(path) {
                    attempts.append("key \(path): no such file")
                }
                continue
            }
            let publicKey = fileManager.fileExists(atPath: path + ".pub") ? path + ".pub" : nil
            let rc = try retry(.auth, until: deadline, doing: "key file login with \(path)") {
                LibSSH2.authenticate(session, user: endpoint.user, privateKey: path, publicKey: publicKey)
            }
            if rc == 0 {
                authenticatedWith = "key file \(path)"
                return true
            }
            attempts.append("key \(path) " + refusal(rc, isRSA: Self.isRSAKeyFile(path), session))
        }
        return false
    }

    /// One phrase for why a key did not log in.
    private func refusal(_ rc: Int32, isRSA: Bool, _ session: OpaquePointer) -> String {
        if LibSSH2.refusedCodes.contains(rc) {
            return isRSA
                ? "(RSA) refused: \(Self.rsaExplanation)" : "refused by the server (not in authorized_keys?)"
        }
        if LibSSH2.unreadableKeyCodes.contains(rc) {
            return
                "unreadable: \(LibSSH2.lastErrorMessage(session)) (passphrase-protected keys must be loaded into ssh-agent)"
        }
        return "failed: \(LibSSH2.lastErrorMessage(session)) (libssh2 \(rc))"
    }

    /// Whether a private key file holds an RSA key (by its `.pub`, or its PEM header).
    private static func isRSAKeyFile(_ path: String) -> Bool {
        if let pub = try? String(contentsOfFile: path + ".pub", encoding: .utf8) {
            return pub.hasPrefix("ssh-rsa ")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.hasPrefix("-----BEGIN RSA PRIVATE KEY-----")
    }
}
